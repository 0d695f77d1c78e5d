"""Concurrent partner clients: each a thread with its own connection, its
own cards' view and its own log of operations and outcomes."""

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chaos.client import ApiClient, Outcome


@dataclass(frozen=True)
class CardData:
    """A sandbox card as a partner knows it. Card data stays in memory."""

    pan: str = field(repr=False)
    expiry: str = field(repr=False)
    cvv: str = field(repr=False)
    card_id: str
    account_id: str


@dataclass
class Deck:
    """Hot cards take most of the traffic (one row lock each); cold ones the rest."""

    hot: list[CardData]
    cold: list[CardData]
    hot_share: float = 0.5

    def draw(self, rng: random.Random, hot_share: float | None = None) -> CardData:
        share = self.hot_share if hot_share is None else hot_share
        pool = self.hot if self.hot and rng.random() < share else self.cold
        return rng.choice(pool)


@dataclass
class Op:
    kind: str
    key: str
    outcome: Outcome
    amount: int | None = None


MERCHANT = {"id": "chaos-shop", "name": "Chaos Shop", "mcc": "5411", "country": "US"}


class Session:
    """One client's operations on the partner API, each with a fresh key."""

    def __init__(self, traffic: "Traffic", number: int) -> None:
        self.traffic = traffic
        self.number = number
        self.rng = random.Random(f"{traffic.name}-{number}")
        self.api = ApiClient(traffic.port, traffic.api_key)
        self.sent = 0
        self.approved: list[dict[str, Any]] = []
        self.captured: list[dict[str, Any]] = []
        self.recent: deque[tuple[Op, str, dict[str, Any]]] = deque(maxlen=50)

    def post(
        self, kind: str, path: str, body: dict[str, Any], amount: int | None
    ) -> Op:
        self.sent += 1
        key = f"{self.traffic.name}-{self.number}-{self.sent}"
        op = Op(kind, key, self.api.post(path, body, key=key), amount)
        self.traffic.record(op)
        self.recent.append((op, path, body))
        return op

    def replay(self) -> Op:
        """Send one of the last requests again, same key and body (a late
        retry): the answer must be the first one, and nothing happen again."""
        op, path, body = self.rng.choice(self.recent)
        again = Op("replay", op.key, self.api.post(path, body, key=op.key), op.amount)
        self.traffic.record(again)
        return again

    def authorize(self, card: CardData, amount: int) -> Op:
        body = {
            "pan": card.pan,
            "expiry": card.expiry,
            "cvv": card.cvv,
            "amount": amount,
            "currency": "USD",
            "merchant": MERCHANT,
            "channel": "pos",
        }
        op = self.post("authorize", "/api/v1/authorizations", body, amount)
        if op.outcome.status == 201 and op.outcome.body["status"] == "approved":
            self.approved.append(op.outcome.body)
        return op

    def capture(
        self, authorization: dict[str, Any], amount: int | None, final: bool
    ) -> Op:
        body: dict[str, Any] = {"final": final}
        if amount is not None:
            body["amount"] = amount
        path = f"/api/v1/authorizations/{authorization['id']}/capture"
        op = self.post("capture", path, body, amount)
        if op.outcome.status == 201:
            captured = op.outcome.body["amount"]
            self.captured.append({**authorization, "refundable": captured})
        return op

    def reverse(self, authorization: dict[str, Any], amount: int | None) -> Op:
        body = {} if amount is None else {"amount": amount}
        path = f"/api/v1/authorizations/{authorization['id']}/reverse"
        return self.post("reverse", path, body, amount)

    def refund(self, captured: dict[str, Any], amount: int) -> Op:
        body = {"authorization_id": captured["id"], "amount": amount, "currency": "USD"}
        return self.post("refund", "/api/v1/refunds", body, amount)

    def pay(self, card: CardData, amount: int) -> Op:
        path = f"/api/v1/accounts/{card.account_id}/payments"
        return self.post("payment", path, {"amount": amount}, amount)

    def force_capture(self, card: CardData, amount: int) -> Op:
        body = {
            "pan": card.pan,
            "amount": amount,
            "currency": "USD",
            "merchant": MERCHANT,
        }
        return self.post("capture", "/api/v1/captures", body, amount)


Workload = Callable[[Session], None]


class Traffic:
    """`clients` threads running `workload` (one operation per call) until
    stopped, `pause` seconds apart."""

    def __init__(
        self,
        name: str,
        *,
        port: int,
        api_key: str,
        deck: Deck,
        clients: int,
        workload: Workload,
        pause: float = 0.0,
    ) -> None:
        self.name = name
        self.port = port
        self.api_key = api_key
        self.deck = deck
        self.clients = clients
        self.workload = workload
        self.pause = pause
        self.ops: list[Op] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def record(self, op: Op) -> None:
        with self._lock:
            self.ops.append(op)

    def start(self) -> None:
        self._threads = [
            threading.Thread(target=self._run, args=(n,), name=f"{self.name}-{n}")
            for n in range(self.clients)
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def run_for(self, seconds: float) -> None:
        self.start()
        time.sleep(seconds)
        self.stop()

    def _run(self, number: int) -> None:
        session = Session(self, number)
        try:
            while not self._stop.is_set():
                self.workload(session)
                if self.pause:
                    time.sleep(session.rng.uniform(0, 2 * self.pause))
        except Exception as exc:  # noqa: BLE001 - reported as a breach
            with self._lock:
                self.errors.append(f"client {number}: {type(exc).__name__}: {exc}")
        finally:
            session.api.close()

    def of_kind(self, *kinds: str) -> list[Op]:
        return [op for op in self.ops if op.kind in kinds]

    def within(self, start: float, end: float) -> list[Op]:
        """Operations sent and answered between two wall-clock times."""
        return [
            op
            for op in self.ops
            if op.outcome.started >= start and op.outcome.finished <= end
        ]


def authorize_and_capture(session: Session) -> None:
    """The fault scenarios' traffic: authorize small amounts, mostly on cold
    cards (the hot ones soon reach their limits without payments), capture
    about half of the approvals in full."""
    card = session.traffic.deck.draw(session.rng, hot_share=0.1)
    session.authorize(card, session.rng.randint(100, 2_500))
    if session.approved and session.rng.random() < 0.5:
        authorization = session.approved.pop(
            session.rng.randrange(len(session.approved))
        )
        session.capture(authorization, None, final=True)
