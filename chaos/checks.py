"""What must hold after any fault, read from the database.

Each check returns breaches, one line each; none means it holds. Global
ledger checks cover everything every scenario wrote; the exactly-once and
request-to-effect checks look at one scenario's partner.
"""

import io
import json
from collections import Counter

from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q, Sum

from accounts.models import CreditAccount, Partner
from accounts.models.credit import CreditScore
from accounts.tasks import SCORED_EVENTS as CREDIT_EVENTS
from cards.models import Authorization, Capture, Refund
from chaos.traffic import Op, Traffic
from fraud.apps import SCORED_EVENTS as FRAUD_EVENTS
from fraud.models import FraudScore, ModelVersion
from issuer.kernel.models import OutboxEvent
from ledger.models import HoldRelease, JournalEntry, LedgerHold, Posting, Side


def ledger_verify() -> tuple[bool, str]:
    """`manage.py ledger_verify`: whether it passed, and its output."""
    output = io.StringIO()
    try:
        call_command("ledger_verify", stdout=output)
    except CommandError as exc:
        return False, f"{output.getvalue().strip()}\n{exc}"
    return True, output.getvalue().strip()


def debits_equal_credits() -> list[str]:
    totals = dict(
        Posting.objects.values("side")
        .annotate(total=Sum("amount"))
        .values_list("side", "total")
    )
    debits, credits = totals.get(Side.DEBIT, 0), totals.get(Side.CREDIT, 0)
    if debits != credits:
        return [f"total debits {debits} != total credits {credits}"]
    return []


def holds_one_per_approval() -> list[str]:
    """Every approved authorization has exactly one hold, of its amount, and
    no hold belongs to no authorization."""
    breaches = [
        f"approved authorization {public_id} has no hold"
        for public_id in Authorization.objects.filter(
            status=Authorization.Status.APPROVED, hold__isnull=True
        ).values_list("public_id", flat=True)
    ]
    breaches += [
        f"authorization {public_id} holds {held}, not its amount {amount}"
        for public_id, amount, held in Authorization.objects.filter(hold__isnull=False)
        .exclude(hold__amount=F("amount"))
        .values_list("public_id", "amount", "hold__amount")
    ]
    orphans = LedgerHold.objects.filter(authorization__isnull=True).count()
    if orphans:
        breaches.append(f"{orphans} hold(s) belong to no authorization")
    return breaches


def captures_one_posting() -> list[str]:
    """Every capture and refund owns exactly one journal entry of its amount,
    and no purchase or refund entry exists without one."""
    breaches = []
    for model, kind in ((Capture, "purchase"), (Refund, "refund")):
        entries = JournalEntry.objects.filter(kind=kind).count()
        rows = model.objects.count()
        if entries != rows:
            breaches.append(f"{entries} {kind} entries for {rows} {kind} rows")
        wrong = (
            model.objects.annotate(
                debited=Sum(
                    "entry__postings__amount",
                    filter=Q(entry__postings__side=Side.DEBIT),
                )
            )
            .exclude(debited=F("amount"))
            .values_list("public_id", flat=True)
        )
        breaches += [f"{kind} {public_id}: entry amount differs" for public_id in wrong]
    return breaches


def limits_respected() -> list[str]:
    """No account is beyond its credit limit except by what flagged
    clearings (over-captures, force posts, after expiry) added."""
    flagged = dict(
        Capture.objects.filter(
            Q(is_over_capture=True)
            | Q(is_without_authorization=True)
            | Q(is_after_expiry=True)
        )
        .values("card__account_id")
        .annotate(total=Sum("amount"))
        .values_list("card__account_id", "total")
    )
    breaches = []
    accounts = CreditAccount.objects.annotate(
        debits=Sum("receivable__balances__debits_posted")
        + Sum("receivable__balances__debits_pending"),
        credits=Sum("receivable__balances__credits_posted"),
    ).values_list("pk", "public_id", "credit_limit", "debits", "credits")
    for pk, public_id, limit, debits, credits in accounts:
        excess = (debits or 0) - (credits or 0) - limit
        if excess > flagged.get(pk, 0):
            breaches.append(
                f"account {public_id} is {excess} beyond its limit; flagged "
                f"clearings explain {flagged.get(pk, 0)}"
            )
    return breaches


def backlog(partner: Partner) -> dict[str, int]:
    """Work not done yet: events not relayed, the partner's authorizations
    the active model has not scored, credit events with no credit score."""
    active = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()
    unscored = Authorization.objects.filter(partner=partner)
    if active is not None:
        unscored = unscored.exclude(fraud_scores__model_version=active)
    credit_events = {
        str(event_id)
        for event_id in OutboxEvent.objects.filter(type__in=CREDIT_EVENTS).values_list(
            "event_id", flat=True
        )
    }
    credit_scored = set(
        CreditScore.objects.filter(event_id__in=credit_events).values_list(
            "event_id", flat=True
        )
    )
    return {
        "undispatched_events": OutboxEvent.objects.filter(
            dispatched_at__isnull=True
        ).count(),
        "unscored_authorizations": unscored.count(),
        "credit_events_unscored": len(credit_events - credit_scored),
    }


def _doubled_fraud_scores() -> int:
    return (
        FraudScore.objects.values("authorization_id", "model_version_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )


def _doubled_credit_scores() -> int:
    return (
        CreditScore.objects.exclude(event_id="")
        .values("account_id", "event_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )


def scores_exactly_once(partner: Partner) -> list[str]:
    """One fraud score per authorization and model version; one credit score
    per credit event; none missing (see `backlog`)."""
    breaches = [f"{name}: {count}" for name, count in backlog(partner).items() if count]
    if _doubled_fraud_scores():
        breaches.append(f"{_doubled_fraud_scores()} authorization(s) scored twice")
    if _doubled_credit_scores():
        breaches.append(f"{_doubled_credit_scores()} credit event(s) scored twice")
    scored_types = set(FRAUD_EVENTS)
    events = Counter(
        OutboxEvent.objects.filter(
            type__in=scored_types,
            aggregate_id__in=[
                str(p)
                for p in Authorization.objects.filter(partner=partner).values_list(
                    "public_id", flat=True
                )
            ],
        ).values_list("aggregate_id", flat=True)
    )
    breaches += [
        f"authorization {aid} has {n} decision events"
        for aid, n in events.items()
        if n != 1
    ]
    return breaches


def _answered_and_recorded(
    partner: Partner, traffic: Traffic
) -> dict[str, tuple[set[str], set[str]]]:
    """Per kind of effect: the ids the clients were answered with, and the
    ids the database holds for the partner."""
    recorded = {
        "authorize": Authorization.objects.filter(partner=partner),
        "capture": Capture.objects.filter(partner=partner),
        "refund": Refund.objects.filter(partner=partner),
    }
    pairs = {
        kind: (
            {
                op.outcome.body["id"]
                for op in traffic.of_kind(kind)
                if op.outcome.status == 201
            },
            {str(public_id) for public_id in rows.values_list("public_id", flat=True)},
        )
        for kind, rows in recorded.items()
    }
    prefix = f"payment-api:{partner.pk}:"
    pairs["payment"] = (
        {
            f"{prefix}{op.key}"
            for op in traffic.of_kind("payment")
            if op.outcome.status == 201
        },
        {
            key
            for key in JournalEntry.objects.filter(
                idempotency_key__startswith=prefix
            ).values_list("idempotency_key", flat=True)
            if key
        },
    )
    return pairs


def duplicates_found(partner: Partner, traffic: Traffic) -> int:
    """What exactly-once forbids: effects no answer accounts for (a retry
    that acted twice) and scores beyond one per event."""
    extra = sum(
        len(recorded - answered)
        for answered, recorded in _answered_and_recorded(partner, traffic).values()
    )
    return extra + _doubled_fraud_scores() + _doubled_credit_scores()


def effects_match_requests(partner: Partner, traffic: Traffic) -> list[str]:
    """Each request that got an answer had exactly one effect, each retried
    or replayed request no second one, and every request got an answer."""
    breaches = [
        f"{op.kind} {op.key} never got an answer after {op.outcome.attempts} attempts"
        for op in traffic.ops
        if not op.outcome.converged
    ]
    for kind, (answered, recorded) in _answered_and_recorded(partner, traffic).items():
        if answered != recorded:
            breaches.append(
                f"{kind}: {len(answered)} answered, {len(recorded)} in the database, "
                f"{len(recorded - answered)} unanswered effects, "
                f"{len(answered - recorded)} answers without an effect"
            )
    reversals = sum(1 for op in traffic.of_kind("reverse") if op.outcome.status == 200)
    voids = HoldRelease.objects.filter(
        reason=HoldRelease.Reason.VOID, hold__authorization__partner=partner
    ).count()
    if reversals != voids:
        breaches.append(f"reversals: {reversals} answered, {voids} hold releases")
    originals = {op.key: op for op in traffic.ops if op.kind != "replay"}
    for op in traffic.of_kind("replay"):
        first = originals[op.key].outcome
        if (op.outcome.status, op.outcome.body) != (first.status, first.body):
            breaches.append(f"replay of {op.key} answered differently")
    return breaches


def failures_clean(traffic: Traffic) -> list[str]:
    """Every server error the clients saw was the API's JSON error shape,
    without a traceback."""
    breaches = []
    for op in traffic.ops:
        for body in op.outcome.server_errors:
            if "Traceback" in body or 'File "' in body:
                breaches.append(f"{op.kind} {op.key}: a traceback reached the client")
                continue
            try:
                code = json.loads(body)["error"]["code"]
            except (ValueError, KeyError, TypeError):
                breaches.append(f"{op.kind} {op.key}: a 5xx not in the error shape")
                continue
            if not isinstance(code, str):
                breaches.append(f"{op.kind} {op.key}: error code missing")
    return breaches


def failure_counts(traffic: Traffic) -> dict[str, int]:
    """How the clients' attempts failed before they converged."""
    return failure_counts_of(traffic.ops)


def failure_counts_of(ops: list[Op]) -> dict[str, int]:
    return dict(Counter(failure for op in ops for failure in op.outcome.failures))
