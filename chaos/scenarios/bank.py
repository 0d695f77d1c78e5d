"""The bank test: many concurrent partners' clients over HTTP, no fault.

Mixed authorize / capture (full, partial, above the hold) / reverse /
refund / payment / force post, on a few hot cards (tight limits, one row
lock each) and many cold ones, plus late replays of earlier requests.
Proves, from the database afterwards: total debits equal credits, no
account beyond its limit except by flagged clearings, every approved
authorization has exactly one hold, every capture exactly one posting,
every answered request exactly one effect, and ledger_verify.
"""

import time

from accounts.models import Partner
from chaos.scenarios.base import Context, Injected, Scenario
from chaos.traffic import Session, Traffic


def bank_mix(session: Session) -> None:
    """One operation, drawn by weight."""
    rng, deck = session.rng, session.traffic.deck
    draw = rng.random()
    if draw < 0.40 or not session.approved:
        card = deck.draw(rng)
        high = 6_000 if card in deck.hot else 20_000
        session.authorize(card, rng.randint(100, high))
    elif draw < 0.60:
        authorization = session.approved.pop(rng.randrange(len(session.approved)))
        amount, style = authorization["amount"], rng.random()
        if style < 0.7:
            session.capture(authorization, None, final=True)
        elif style < 0.9:
            session.capture(authorization, max(1, amount // 2), final=True)
        else:
            session.capture(authorization, amount + amount // 10, final=True)
    elif draw < 0.68:
        authorization = session.approved.pop(rng.randrange(len(session.approved)))
        partial = rng.random() < 0.3 and authorization["amount"] > 1
        op = session.reverse(
            authorization, authorization["amount"] // 2 if partial else None
        )
        if partial and op.outcome.status == 200:
            session.approved.append(authorization)
    elif draw < 0.75 and session.captured:
        captured = session.captured.pop(rng.randrange(len(session.captured)))
        session.refund(captured, rng.randint(1, captured["refundable"]))
    elif draw < 0.87:
        session.pay(deck.draw(rng), rng.randint(1_000, 20_000))
    elif draw < 0.90:
        session.force_capture(deck.draw(rng), rng.randint(100, 3_000))
    elif session.recent:
        session.replay()


class Bank(Scenario):
    name = "bank"
    proves = (
        "concurrent mixed money movement over HTTP on hot and cold cards "
        "keeps the books balanced, within limits, and exactly-once"
    )

    def workload(self, session: Session) -> None:
        bank_mix(session)

    def clients(self, context: Context) -> tuple[int, float]:
        return context.profile.bank_clients, 0.0

    def inject(self, context: Context, traffic: Traffic) -> Injected:
        time.sleep(context.profile.bank_seconds)
        return Injected({"clients": context.profile.bank_clients}, time.monotonic())

    def verify(
        self, context: Context, partner: Partner, traffic: Traffic, injected: Injected
    ) -> list[str]:
        injected.figures["decline_codes"] = _decline_codes(traffic)
        return []


def _decline_codes(traffic: Traffic) -> dict[str, int]:
    codes: dict[str, int] = {}
    for op in traffic.of_kind("authorize"):
        if op.outcome.status == 201 and op.outcome.body["status"] == "declined":
            code = op.outcome.body["response_code"]
            codes[code] = codes.get(code, 0) + 1
    return codes
