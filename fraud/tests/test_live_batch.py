"""Batched scoring (offline path) gives what scoring one by one gives."""

import pytest

from fraud.models import FraudAction, FraudScore, HistoricalTransaction, RuleHit
from fraud.services.live import live_transaction_id
from fraud.services.rules import rule_create
from fraud.services.scoring import historical_transaction_score
from fraud.tasks import score_authorizations_batch
from fraud.tests.conftest import authorize, register_model

AMOUNTS = [100, 3_500, 4_500, 10_000]  # low, medium, high, critical


@pytest.mark.django_db
def test_a_batch_scores_like_the_online_path_and_acts_once(active_model, test_card):
    rule_create(
        name="any",
        conditions=[{"feature": "amount", "operator": ">=", "threshold": 40}],
        action="flag",
        mode="active",
    )
    shadow = register_model(weights={"amount": -50.0}, status="shadow")
    authorizations = [authorize(test_card, amount) for amount in AMOUNTS]
    ids = [a.pk for a in authorizations]

    stored = score_authorizations_batch.delay(ids).get()
    again = score_authorizations_batch.delay(ids).get()

    assert (stored, again) == (8, 0)
    for authorization in authorizations:
        record = HistoricalTransaction.objects.get(
            transaction_id=live_transaction_id(authorization)
        )
        online = historical_transaction_score(transaction=record, version=active_model)
        batched = FraudScore.objects.get(
            authorization=authorization, model_version=active_model
        )
        assert batched.score == pytest.approx(online.score, abs=1e-9)
        assert batched.tier == online.tier
        assert bool(batched.explanation) == (online.tier != "low")
    assert [
        FraudScore.objects.get(authorization=a, model_version=active_model).tier
        for a in authorizations
    ] == ["low", "medium", "high", "critical"]
    assert FraudScore.objects.filter(model_version=shadow, is_shadow=True).count() == 4
    actions = sorted(
        (AMOUNTS[ids.index(a)], k)
        for a, k in FraudAction.objects.values_list("authorization", "kind")
    )
    assert actions == [
        (3_500, "ask_cardholder"),
        (4_500, "flag"),
        (4_500, "open_case"),
        (10_000, "alert"),
        (10_000, "flag"),
        (10_000, "freeze_card"),
        (10_000, "open_case"),
    ]
    assert sorted(
        AMOUNTS[ids.index(a)]
        for a in RuleHit.objects.values_list("authorization", flat=True)
    ) == [4_500, 10_000]


@pytest.mark.django_db
def test_a_scoring_task_that_is_behind_scores_the_backlog_at_once(
    active_model, test_card
):
    """Given three authorizations not scored yet, when the oldest one's event
    arrives (queues deliver in order), then its task scores all three; the
    other two events' tasks then find their scores and store nothing."""
    from fraud.tasks import score_authorization_event
    from issuer.kernel.models import OutboxEvent

    authorizations = [authorize(test_card, amount) for amount in (100, 200, 4_500)]
    events = [
        OutboxEvent.objects.filter(aggregate_id=str(a.public_id)).latest("pk")
        for a in authorizations
    ]

    first = score_authorization_event.delay(events[0].pk).get()
    later = [score_authorization_event.delay(e.pk).get() for e in events[1:]]

    assert first == 3
    assert FraudScore.objects.filter(model_version=active_model).count() == 3
    assert later == [0, 0]  # each finds its score
    assert FraudScore.objects.count() == 3
    assert list(FraudAction.objects.values_list("kind", flat=True)) == ["open_case"]


@pytest.mark.django_db
def test_a_redelivery_finishes_actions_a_crashed_delivery_left(active_model, test_card):
    """A score stored without its actions (the worker died in between) gets
    them from the next delivery of the event."""
    from fraud.services.live_batch import authorizations_score_batch
    from fraud.tasks import score_authorization_event
    from issuer.kernel.models import OutboxEvent

    authorization = authorize(test_card, 4_500)
    authorizations_score_batch(authorization_ids=[authorization.pk])
    FraudAction.objects.all().delete()
    from fraud.models import ReviewCase

    ReviewCase.objects.all().delete()
    event = OutboxEvent.objects.filter(
        aggregate_id=str(authorization.public_id)
    ).latest("pk")

    assert score_authorization_event.delay(event.pk).get() == 0
    assert list(FraudAction.objects.values_list("kind", flat=True)) == ["open_case"]
    assert ReviewCase.objects.filter(authorization=authorization).count() == 1
