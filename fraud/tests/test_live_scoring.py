"""Live authorizations are scored once per model version; each tier's action
happens once; shadow versions score but never act."""

import time

import pytest
from django.db import connection

from cards.models import Card
from cards.tests.conftest import authorization_body
from fraud.models import FraudAction, FraudAlert, FraudScore, ReviewCase
from fraud.services.live import authorization_score
from fraud.tasks import score_authorization_event
from fraud.tests.conftest import ACTIVE_WEIGHTS, authorize, register_model
from issuer.kernel.models import OutboxEvent


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "tier", "actions"),
    [
        (100, "low", set()),
        (3_500, "medium", {"ask_cardholder"}),
        (4_500, "high", {"open_case"}),
        (10_000, "critical", {"open_case", "freeze_card", "alert"}),
    ],
)
def test_each_tier_takes_its_action_exactly_once(
    active_model, test_card, amount, tier, actions
):
    authorization = authorize(test_card, amount)

    for _ in range(3):  # duplicate deliveries
        scores = authorization_score(authorization=authorization)

    assert [s.tier for s in scores] == [tier]
    assert FraudScore.objects.filter(authorization=authorization).count() == 1
    score = FraudScore.objects.get(authorization=authorization)
    assert score.model_version == active_model
    if tier != "low":  # the explanation lists what pushed the score up
        assert score.explanation[0]["feature"] == "amount"
        assert score.explanation[0]["value"] == pytest.approx(amount / 100)
    taken = set(
        FraudAction.objects.filter(authorization=authorization).values_list(
            "kind", flat=True
        )
    )
    assert taken == actions
    assert all(
        a.score_id == score.pk
        for a in FraudAction.objects.filter(authorization=authorization)
    )
    assert FraudAlert.objects.filter(authorization=authorization).exists() == bool(
        actions & {"ask_cardholder", "alert"}
    )
    assert ReviewCase.objects.filter(authorization=authorization).exists() == (
        "open_case" in actions
    )
    card = Card.objects.get(pk=test_card.issued.card.pk)
    assert (card.status == "frozen") == (tier == "critical")
    assert card.is_under_fraud_review == (tier == "critical")


@pytest.mark.django_db
def test_a_critical_case_blocks_the_next_authorization_with_59(active_model, test_card):
    authorization_score(authorization=authorize(test_card, 10_000))
    Card.objects.filter(pk=test_card.issued.card.pk).update(
        status="active", block_owner=""
    )

    follow_up = authorize(test_card, 100)

    assert (follow_up.status, follow_up.response_code) == ("declined", "59")


@pytest.mark.django_db
def test_a_shadow_model_scores_but_never_acts(active_model, test_card):
    # Small amounts are critical for this shadow model.
    shadow = register_model(weights={"amount": -50.0}, status="shadow")
    authorization = authorize(test_card, 100)

    scores = authorization_score(authorization=authorization)

    by_version = {s.model_version_id: s for s in scores}
    assert by_version[shadow.pk].tier == "critical"
    assert by_version[shadow.pk].is_shadow
    assert by_version[active_model.pk].tier == "low"
    assert not FraudAction.objects.exists()
    assert Card.objects.get(pk=test_card.issued.card.pk).status == "active"


@pytest.mark.django_db
def test_without_an_active_model_nothing_is_scored(test_card, media_root):
    register_model(status="draft")

    assert authorization_score(authorization=authorize(test_card, 10_000)) == []
    assert not FraudScore.objects.exists()


@pytest.mark.django_db
def test_the_api_shows_the_score_once_scored(
    active_model, partner_client, test_card, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = partner_client.post(
            "/api/v1/authorizations",
            authorization_body(test_card, amount=4_500),
            format="json",
        ).json()

    detail = partner_client.get(f"/api/v1/authorizations/{created['id']}").json()

    assert detail["fraud"]["tier"] == "high"
    assert detail["fraud"]["model_version"] == str(active_model.public_id)
    assert 0.5 <= detail["fraud"]["score"] <= 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_scores_once_under_duplicate_deliveries(
    worker_media_root, celery_worker, partner_client, issue_card
):
    version = register_model(weights=ACTIVE_WEIGHTS, status="active")
    test_card = issue_card()
    created = partner_client.post(
        "/api/v1/authorizations",
        authorization_body(test_card, amount=10_000),
        format="json",
    ).json()
    event = OutboxEvent.objects.get(aggregate_id=created["id"])
    for _ in range(3):  # the relay already sent one; add duplicates
        score_authorization_event.delay(event.pk)

    deadline = time.monotonic() + 30
    actions = FraudAction.objects.filter(authorization__public_id=created["id"])
    while actions.count() < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
        connection.close()
    time.sleep(1.0)  # let the duplicates finish

    assert (
        FraudScore.objects.filter(
            authorization__public_id=created["id"], model_version=version
        ).count()
        == 1
    )
    assert sorted(actions.values_list("kind", flat=True)) == [
        "alert",
        "freeze_card",
        "open_case",
    ]
    assert (
        ReviewCase.objects.filter(authorization__public_id=created["id"]).count() == 1
    )
    assert Card.objects.get(pk=test_card.issued.card.pk).status == "frozen"


@pytest.mark.django_db
def test_a_relay_pass_scores_all_its_events_as_one_batch(
    active_model, issue_card, monkeypatch
):
    from fraud import tasks as fraud_tasks
    from issuer.kernel.tasks import relay_outbox

    batches = []
    real_batch = fraud_tasks.authorizations_score_batch

    def spy(*, authorization_ids):
        batches.append(sorted(authorization_ids))
        return real_batch(authorization_ids=authorization_ids)

    monkeypatch.setattr(fraud_tasks, "authorizations_score_batch", spy)
    test_card = issue_card()
    authorizations = [authorize(test_card, 100 + n) for n in range(4)]
    events = OutboxEvent.objects.filter(type="authorization.approved")

    relay_outbox([event.pk for event in events])

    assert batches == [sorted(a.pk for a in authorizations)]
    assert FraudScore.objects.filter(model_version=active_model).count() == 4
