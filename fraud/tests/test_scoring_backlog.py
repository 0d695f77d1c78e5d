"""The fraud consumer finds its work without rescanning history.

Its backlog look-up reads a key range bounded by BACKLOG_LIMIT from the
pass's oldest unscored authorization on, so its cost does not grow with the
authorizations scored already; and since every pass scores its own
authorizations, one whose lower pk commits after a higher one is still
scored exactly once.
"""

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cards.models import Authorization
from cards.services.authorizations import authorization_event_payload
from fraud.models import FraudScore, ModelVersion
from fraud.services.live_batch import authorizations_backlog
from fraud.tasks import score_authorization_events
from fraud.tests.conftest import authorize
from issuer.kernel import outbox
from issuer.kernel.models import OutboxEvent


def _scored_history(*, like: Authorization, version: ModelVersion, count: int) -> None:
    """`count` declined authorizations like `like`, made now (inside any time
    window) and already scored by `version`."""
    last = Authorization.objects.order_by("-pk").values_list("pk", flat=True)[0]
    Authorization.objects.bulk_create(
        [
            Authorization(
                public_id=uuid.uuid4(),
                partner=like.partner,
                card=like.card,
                account=like.account,
                amount=like.amount,
                currency=like.currency,
                merchant_id=like.merchant_id,
                mcc=like.mcc,
                merchant_country=like.merchant_country,
                channel=like.channel,
                status=Authorization.Status.DECLINED,
                response_code="05",
                reason="history",
            )
            for _ in range(count)
        ],
        batch_size=1_000,
    )
    new = Authorization.objects.filter(pk__gt=last).values_list("pk", flat=True)
    FraudScore.objects.bulk_create(
        [
            FraudScore(
                authorization_id=pk,
                model_version=version,
                score=0.01,
                tier="low",
            )
            for pk in new
        ],
        batch_size=1_000,
    )


@contextmanager
def _work_counted() -> Iterator[Callable[[], int]]:
    """Count the rows the database examines inside the block: InnoDB's
    handler reads on MariaDB, SQLite's virtual-machine steps otherwise."""
    counted = {"work": 0}
    if connection.vendor == "mysql":

        def reads() -> int:
            with connection.cursor() as cursor:
                cursor.execute("SHOW SESSION STATUS LIKE 'Handler_read%%'")
                return sum(int(value) for _, value in cursor.fetchall())

        before = reads()
        yield lambda: counted["work"]
        # SHOW STATUS itself reads no handler rows.
        counted["work"] = reads() - before
        return
    connection.ensure_connection()
    raw = connection.connection

    def step() -> int:
        counted["work"] += 1
        return 0

    raw.set_progress_handler(step, 1)
    try:
        yield lambda: counted["work"]
    finally:
        raw.set_progress_handler(None, 1)


def _backlog_cost(authorization: Authorization) -> tuple[list[int], int, int]:
    """The pass's backlog for one authorization, its queries and its work."""
    with _work_counted() as work, CaptureQueriesContext(connection) as queries:
        waiting = authorizations_backlog(authorizations=[authorization])
    return waiting, len(queries), work()


@pytest.mark.django_db
def test_the_backlog_look_up_costs_the_same_with_1k_and_10k_scored(
    active_model, test_card
):
    """Given 1,000 then 10,000 authorizations scored already (all made in the
    last two minutes), when a pass looks up its backlog for one new
    authorization, then it finds exactly that one with the same queries and
    the same rows examined both times."""
    first = authorize(test_card, 100)
    FraudScore.objects.create(
        authorization=first, model_version=active_model, score=0.01, tier="low"
    )
    _scored_history(like=first, version=active_model, count=999)
    small = authorize(test_card, 200)

    small_waiting, small_queries, small_work = _backlog_cost(small)
    FraudScore.objects.create(
        authorization=small, model_version=active_model, score=0.01, tier="low"
    )
    _scored_history(like=first, version=active_model, count=8_999)
    large = authorize(test_card, 300)
    large_waiting, large_queries, large_work = _backlog_cost(large)

    assert FraudScore.objects.filter(model_version=active_model).count() == 10_000
    assert (small_waiting, large_waiting) == ([small.pk], [large.pk])
    assert small_work > 0
    assert large_work == small_work
    assert small_queries == large_queries == 4


@pytest.fixture
def held_deliveries(monkeypatch) -> list[int]:
    """Committed events are held here instead of being relayed, so a test
    delivers them itself, in the order a broker might."""
    held: list[int] = []
    monkeypatch.setattr(outbox, "relay_soon", held.extend)
    return held


def _event_of(authorization: Authorization) -> int:
    return (
        OutboxEvent.objects.filter(aggregate_id=str(authorization.public_id))
        .values_list("pk", flat=True)
        .latest("pk")
    )


@pytest.mark.mysql_only
@pytest.mark.django_db(transaction=True)
def test_an_authorization_committed_out_of_order_is_scored_once(
    active_model, test_card, issue_card, held_deliveries
):
    """Given authorization A holding a lower pk in a transaction still open,
    when B (higher pk) commits and its pass runs, then C commits after A and
    its pass runs, and A's own pass runs last, then each of the three is
    scored exactly once and A's pass stores A's score; redeliveries store
    nothing."""
    # A's foreign keys share-lock its card and account: another card's, so
    # B's hold is not blocked behind A's open transaction.
    template = authorize(issue_card(), 100)
    made: dict[str, Authorization] = {}
    a_inserted = threading.Event()
    release_a = threading.Event()

    def make_a() -> None:
        """A's row and its event, as the authorization service writes them,
        in a transaction that stays open (no service locks held)."""
        try:
            with transaction.atomic():
                a = Authorization.objects.create(
                    partner=template.partner,
                    card=template.card,
                    account=template.account,
                    amount=150,
                    currency=template.currency,
                    merchant_id=template.merchant_id,
                    mcc=template.mcc,
                    merchant_country=template.merchant_country,
                    channel=template.channel,
                    status=Authorization.Status.DECLINED,
                    response_code="05",
                    reason="open transaction",
                )
                outbox.event_publish(
                    type="authorization.declined",
                    aggregate_type="authorization",
                    aggregate_id=str(a.public_id),
                    payload=authorization_event_payload(a),
                )
                made["a"] = a
                a_inserted.set()
                release_a.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=make_a)
    thread.start()
    assert a_inserted.wait(timeout=30)
    b = authorize(test_card, 200)
    b_committed_first = not Authorization.objects.filter(amount=150).exists()
    b_stored = score_authorization_events(event_ids=[_event_of(b)])
    release_a.set()
    thread.join(timeout=30)
    a = made["a"]
    c = authorize(test_card, 300)
    c_stored = score_authorization_events(event_ids=[_event_of(c)])
    a_stored = score_authorization_events(event_ids=[_event_of(a)])
    redelivered = [
        score_authorization_events(event_ids=[_event_of(x)]) for x in (a, b, c)
    ]

    assert template.pk < a.pk < b.pk < c.pk
    assert b_committed_first
    assert FraudScore.objects.filter(authorization=a).count() == 1
    assert (b_stored, c_stored, a_stored) == (1, 1, 1)
    assert redelivered == [0, 0, 0]
    assert sorted(
        FraudScore.objects.filter(model_version=active_model).values_list(
            "authorization_id", flat=True
        )
    ) == [a.pk, b.pk, c.pk]
    assert held_deliveries  # nothing was relayed behind the test's back
