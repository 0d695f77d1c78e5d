"""Property test: random sequences of ledger operations keep every invariant,
and a simple model of the expected balances agrees with the ledger."""

import datetime
from dataclasses import dataclass, field

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from issuer.kernel.errors import DomainError
from ledger.models import LedgerAccount, LedgerHold
from ledger.selectors import account_totals
from ledger.services.accounts import ledger_account_create
from ledger.services.entries import credit, debit, entry_post, entry_reverse
from ledger.services.holds import hold_create, hold_expire, hold_post, hold_void
from ledger.verification import ledger_breaches

LIMIT = 50_000

operations = st.lists(
    st.one_of(
        st.tuples(st.just("hold"), st.integers(1, 30_000)),
        st.tuples(st.just("post"), st.integers(0, 9), st.integers(1, 40_000)),
        st.tuples(st.just("post_final"), st.integers(0, 9), st.integers(1, 20_000)),
        st.tuples(st.just("void"), st.integers(0, 9), st.integers(1, 20_000)),
        st.tuples(st.just("expire"), st.integers(0, 9)),
        st.tuples(st.just("payment"), st.integers(1, 30_000)),
        st.tuples(st.just("purchase"), st.integers(1, 30_000)),
        st.tuples(st.just("reverse"), st.integers(0, 9)),
    ),
    min_size=1,
    max_size=25,
)


@dataclass
class Model:
    """What the receivable's totals should be."""

    debits_posted: int = 0
    credits_posted: int = 0
    pending: dict[int, int] = field(default_factory=dict)

    @property
    def exposure(self) -> int:
        return self.debits_posted + sum(self.pending.values()) - self.credits_posted


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=operations)
def test_random_operations_keep_the_invariants(ops):
    tag = timezone.now().timestamp()
    receivable = ledger_account_create(
        code=f"prop:r:{tag}",
        name="r",
        type=LedgerAccount.Type.ASSET,
        currency="USD",
        debit_limit=LIMIT,
    )
    settlement = ledger_account_create(
        code=f"prop:s:{tag}",
        name="s",
        type=LedgerAccount.Type.LIABILITY,
        currency="USD",
        shard_count=4,
    )
    cash = ledger_account_create(
        code=f"prop:c:{tag}", name="c", type=LedgerAccount.Type.ASSET, currency="USD"
    )
    expires = timezone.now() + datetime.timedelta(days=7)
    model = Model()
    holds: list[LedgerHold] = []
    entries = []
    reversed_ids: set[int] = set()

    for step, op in enumerate(ops):
        key = f"{tag}:{step}"
        kind = op[0]
        refused = False
        if kind == "hold":
            should_refuse = model.exposure + op[1] > LIMIT
        elif kind in ("post", "post_final") and holds:
            hold = holds[op[1] % len(holds)]
            before = model.pending.get(hold.pk, 0)
            released = before if kind == "post_final" else min(op[2], before)
            growth = op[2] - released
            should_refuse = before == 0 or (
                growth > 0 and model.exposure + growth > LIMIT
            )
        elif kind in ("void", "expire") and holds:
            hold = holds[op[1] % len(holds)]
            should_refuse = model.pending.get(hold.pk, 0) == 0
        elif kind == "purchase":
            should_refuse = model.exposure + op[1] > LIMIT
        else:
            should_refuse = False
        try:
            if kind == "hold":
                hold = hold_create(
                    debit_account=receivable,
                    credit_account=settlement,
                    amount=op[1],
                    idempotency_key=key,
                    expires_at=expires,
                )
                holds.append(hold)
                model.pending[hold.pk] = op[1]
            elif kind in ("post", "post_final") and holds:
                entries.append(
                    hold_post(
                        hold=hold,
                        amount=op[2],
                        idempotency_key=key,
                        kind="purchase",
                        final=kind == "post_final",
                    )
                )
                model.debits_posted += op[2]
                model.pending[hold.pk] = before - released
            elif kind == "void" and holds:
                amount = min(op[2], max(model.pending.get(hold.pk, 0), 1))
                hold_void(hold=hold, amount=amount, idempotency_key=key)
                model.pending[hold.pk] -= amount
            elif kind == "expire" and holds:
                hold_expire(hold=hold, idempotency_key=key)
                model.pending[hold.pk] = 0
            elif kind == "payment":
                entries.append(
                    entry_post(
                        legs=[debit(cash, op[1]), credit(receivable, op[1])],
                        kind="payment",
                        idempotency_key=key,
                    )
                )
                model.credits_posted += op[1]
            elif kind == "purchase":
                entries.append(
                    entry_post(
                        legs=[debit(receivable, op[1]), credit(settlement, op[1])],
                        kind="purchase",
                        idempotency_key=key,
                    )
                )
                model.debits_posted += op[1]
            elif kind == "reverse" and entries:
                entry = entries[op[1] % len(entries)]
                if entry.pk not in reversed_ids:
                    entry_reverse(entry=entry, idempotency_key=key)
                    reversed_ids.add(entry.pk)
                    for posting in entry.postings.filter(account=receivable):
                        if posting.side == "D":
                            model.credits_posted += posting.amount
                        else:
                            model.debits_posted += posting.amount
        except DomainError:
            refused = True

        assert refused == should_refuse, (step, op)
        totals = account_totals(account=receivable)
        assert totals.debits_posted == model.debits_posted
        assert totals.credits_posted == model.credits_posted
        assert totals.debits_pending == sum(model.pending.values())
        assert list(ledger_breaches()) == []
