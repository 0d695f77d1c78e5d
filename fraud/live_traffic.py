"""Live simulated traffic: the simulator's transactions sent, in time order and
at a chosen rate, through the real partner API of a running server.

Sandbox cards are issued in-process at the start; their numbers live only in
this process's memory. Approved authorizations are mostly captured, a few
reversed, so the ledger sees the whole lifecycle. With `LiveFeedback`, the
simulator also answers the fraud system as cardholders, analysts and
chargebacks would (see `fraud.live_feedback`).
"""

import json
import logging
import random
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from accounts.models import Partner, Scope
from accounts.services.partners import partner_api_key_issue, partner_create
from cards.services.sandbox import SandboxCard, sandbox_cards_issue
from fraud.live_feedback import LiveFeedback
from fraud.simulation import SimulationConfig, Simulator
from issuer.kernel.errors import InvalidInput

logger = logging.getLogger(__name__)
SIMULATOR_PARTNER = "Traffic Simulator"
# The demo's fraud mix: the simulator's scenarios, each starting about once
# every few simulated card-weeks instead of once in years, so that a demo
# of 50 cards at 2 per second shows each scenario within minutes. The
# model and its thresholds are the production ones; only the traffic is
# richer in fraud (about 1 in 40 authorizations instead of 1 in 500).
DEMO_FRAUD_RATES = {
    "stolen_card_rate": 0.02,
    "card_testing_rate": 0.015,
    "account_takeover_rate": 0.015,
    "amount_spike_rate": 0.01,
    "compromised_merchant_rate": 0.002,
}
FRAUD_MIXES = {"demo": DEMO_FRAUD_RATES, "realistic": {}}
API_CHANNELS = {"pos", "contactless", "ecommerce", "atm"}
CARD_LIMIT = 500_000


@dataclass
class TrafficStats:
    sent: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: int = 0


def simulator_api_key() -> str:
    """A fresh key for the simulator partner (created on first use)."""
    partner = Partner.objects.filter(name=SIMULATOR_PARTNER).first()
    if partner is None:
        _, key = partner_create(name=SIMULATOR_PARTNER, scopes=Scope.values)
        return key
    _, key = partner_api_key_issue(partner=partner, scopes=Scope.values, name="live")
    return key


class LiveTraffic:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        cards: list[SandboxCard],
        seed: int,
        feedback: LiveFeedback | None = None,
        fraud_mix: str = "demo",
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise InvalidInput.for_field("url", "Give an http:// or https:// URL.")
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.cards = cards
        self.rng = random.Random(seed)
        self.fraud_rates = FRAUD_MIXES[fraud_mix]
        self.stats = TrafficStats()
        self.feedback = feedback

    def _post(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            f"{self.base_url}{path}",
            data=json.dumps(body).encode(),
            headers={
                "Authorization": f"Api-Key {self.api_key}",
                "Content-Type": "application/json",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read())

    def send(self, transaction: dict) -> None:
        """Authorize one simulated transaction; capture or reverse approvals."""
        card_index = hash(transaction["card_ref"]) % len(self.cards)
        card = self.cards[card_index]
        channel = transaction["channel"]
        body = {
            "pan": card.issued.pan,
            "expiry": card.issued.card.expiry,
            "amount": max(1, int(transaction["amount_minor"])),
            "currency": "USD",
            "merchant": {
                "id": transaction["merchant_ref"],
                "name": f"Merchant {transaction['merchant_ref']}",
                "mcc": transaction["mcc"] or "5999",
                "country": transaction["merchant_country"] or "US",
            },
            "channel": channel if channel in API_CHANNELS else "pos",
        }
        if body["channel"] == "ecommerce":
            body["cvv"] = card.cvv
        try:
            result = self._post("/api/v1/authorizations", body)
            self.stats.sent += 1
            self.stats.outcomes[result["status"]] += 1
            if self.feedback is not None:
                self.feedback.record(
                    authorization_id=result["id"],
                    is_fraud=bool(transaction.get("is_fraud")),
                    card_index=card_index,
                )
            if result["status"] == "approved":
                action = "capture" if self.rng.random() < 0.9 else "reverse"
                self._post(f"/api/v1/authorizations/{result['id']}/{action}", {})
        except (urllib.error.URLError, TimeoutError, KeyError) as exc:
            self.stats.errors += 1
            logger.warning("simulated authorization failed: %s", exc)

    def _settle_feedback(self) -> None:
        """Give the due feedback; cards it closed as compromised are swapped
        for new sandbox cards (the simulator never learns replacements' PANs)."""
        if self.feedback is None:
            return
        closed = self.feedback.settle().closed_card_indexes
        if closed:
            fresh = sandbox_cards_issue(count=len(closed), limit=CARD_LIMIT)
            for index, card in zip(sorted(closed), fresh, strict=True):
                self.cards[index] = card

    def run(
        self,
        *,
        rate: float,
        duration: float | None,
        on_progress: Callable[[TrafficStats], None] | None = None,
    ) -> TrafficStats:
        """Send transactions at `rate` per second until `duration` (or forever)."""
        config = SimulationConfig(
            cards=max(len(self.cards), 10),
            days=365,
            seed=self.rng.randrange(1 << 30),
            start=date.today(),
            **self.fraud_rates,
        )
        started = time.monotonic()
        interval = 1.0 / rate
        for number, transaction in enumerate(Simulator(config).transactions()):
            if duration is not None and time.monotonic() - started >= duration:
                break
            self.send(transaction)
            if number % 20 == 19:
                self._settle_feedback()
                if on_progress:
                    on_progress(self.stats)
            pause = started + (number + 1) * interval - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        return self.stats


def live_traffic_start(
    *,
    base_url: str,
    cards: int,
    rate: float,
    duration: float | None,
    seed: int,
    feedback: LiveFeedback | None = None,
    fraud_mix: str = "demo",
) -> LiveTraffic:
    """Issue sandbox cards and return a driver ready to run."""
    test_cards = list(sandbox_cards_issue(count=cards, limit=CARD_LIMIT))
    return LiveTraffic(
        base_url=base_url,
        api_key=simulator_api_key(),
        cards=test_cards,
        seed=seed,
        feedback=feedback,
        fraud_mix=fraud_mix,
    )
