"""Staff rules run beside the model: shadow rules record hits, active rules
act once; a backtest counts the past transactions a rule would have hit."""

from datetime import UTC, date, datetime

import pytest

from accounts.models import User
from accounts.tests.staff_auth import staff_login
from cards.models import Card
from fraud.models import FraudAction, ReviewCase, Rule, RuleHit
from fraud.services.history import historical_transaction_record
from fraud.services.live import authorization_score
from fraud.services.rules import rule_backtest, rule_create, rule_update
from fraud.tests.conftest import authorize
from issuer.kernel.errors import InvalidInput
from issuer.kernel.models import OutboxEvent

ONE_DOLLAR = 100  # low tier for the active model: only rules act


def _rule(action="freeze", mode="active", conditions=None, name="big") -> Rule:
    return rule_create(
        name=name,
        conditions=conditions
        or [{"feature": "amount", "operator": ">=", "threshold": 1}],
        action=action,
        mode=mode,
    )


def _card(test_card) -> Card:
    return Card.objects.get(pk=test_card.issued.card.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "conditions",
    [
        [],
        [{"feature": "amount", "operator": ">", "threshold": 1}] * 4,
        [{"feature": "pan", "operator": ">", "threshold": 1}],
        [{"feature": "amount", "operator": "!=", "threshold": 1}],
        [{"feature": "amount", "operator": ">", "threshold": "1"}],
        [{"feature": "amount", "operator": ">", "threshold": True}],
        [{"feature": "amount", "operator": ">", "threshold": float("nan")}],
        [{"feature": "amount", "operator": ">"}],
        {"feature": "amount", "operator": ">", "threshold": 1},
    ],
)
def test_invalid_conditions_are_refused_and_nothing_is_saved(conditions):
    with pytest.raises(InvalidInput) as raised:
        rule_create(name="r", conditions=conditions, action="flag")

    assert list(raised.value.fields) == ["conditions"]
    assert not Rule.objects.exists()


@pytest.mark.django_db
def test_a_rule_is_created_in_shadow_with_its_conditions_normalised():
    rule = rule_create(
        name=" night atm ",
        conditions=[
            {"feature": "is_atm", "operator": "==", "threshold": 1},
            {"feature": "hour_of_day", "operator": "<", "threshold": 5},
        ],
        action="case",
    )

    assert (rule.name, rule.mode, rule.action) == ("night atm", "shadow", "case")
    assert rule.conditions[1] == {
        "feature": "hour_of_day",
        "operator": "<",
        "threshold": 5,
    }


@pytest.mark.django_db
def test_an_active_freeze_rule_acts_once(active_model, test_card):
    rule = _rule(action="freeze")
    authorization = authorize(test_card, ONE_DOLLAR)

    for _ in range(3):  # duplicate deliveries
        scores = authorization_score(authorization=authorization)

    assert scores[0].tier == "low"
    hit = RuleHit.objects.get()
    assert (hit.rule, hit.authorization, hit.is_shadow) == (rule, authorization, False)
    assert hit.features == {"amount": 1.0}
    action = FraudAction.objects.get()
    assert (action.kind, action.rule, action.score) == ("freeze_card", rule, scores[0])
    card = _card(test_card)
    assert (card.status, card.status_reason, card.is_under_fraud_review) == (
        "frozen",
        "suspicious_activity",
        True,
    )


@pytest.mark.django_db
def test_a_shadow_rule_only_records_its_hit(active_model, test_card):
    _rule(action="freeze", mode="shadow")

    authorization_score(authorization=authorize(test_card, ONE_DOLLAR))

    assert RuleHit.objects.get().is_shadow is True
    assert not FraudAction.objects.exists()
    card = _card(test_card)
    assert (card.status, card.is_under_fraud_review) == ("active", False)


@pytest.mark.django_db
def test_a_rule_that_does_not_match_records_nothing(active_model, test_card):
    _rule(conditions=[{"feature": "amount", "operator": ">", "threshold": 1}])

    authorization_score(authorization=authorize(test_card, ONE_DOLLAR))

    assert not RuleHit.objects.exists()
    assert not FraudAction.objects.exists()


@pytest.mark.django_db
def test_decline_next_declines_the_next_authorization_with_59(active_model, test_card):
    _rule(action="decline_next")

    authorization_score(authorization=authorize(test_card, ONE_DOLLAR))

    card = _card(test_card)
    assert (card.status, card.is_under_fraud_review) == ("active", True)
    follow_up = authorize(test_card, ONE_DOLLAR)
    assert (follow_up.status, follow_up.response_code) == ("declined", "59")


@pytest.mark.django_db
def test_a_case_rule_opens_a_high_priority_case_on_a_low_score(active_model, test_card):
    rule = _rule(action="case")
    authorization = authorize(test_card, ONE_DOLLAR)

    authorization_score(authorization=authorization)

    case = ReviewCase.objects.get(authorization=authorization)
    assert (case.tier, case.priority, case.status) == ("low", 2, "open")
    assert FraudAction.objects.get().rule == rule


@pytest.mark.django_db
def test_a_flag_rule_publishes_a_flag(active_model, test_card):
    _rule(action="flag")
    authorization = authorize(test_card, ONE_DOLLAR)

    authorization_score(authorization=authorization)

    assert FraudAction.objects.get().kind == "flag"
    event = OutboxEvent.objects.get(type="fraud.flagged")
    assert event.payload["authorization_id"] == str(authorization.public_id)


@pytest.mark.django_db
def test_a_rule_and_the_model_open_one_case_between_them(active_model, test_card):
    """The model's High tier opens a case; a case rule on the same
    authorization records its hit but takes no second action."""
    _rule(action="case")
    authorization = authorize(test_card, 4_500)

    authorization_score(authorization=authorization)

    assert ReviewCase.objects.filter(authorization=authorization).count() == 1
    action = FraudAction.objects.get(kind="open_case")
    assert action.rule is None
    assert RuleHit.objects.count() == 1


@pytest.mark.django_db
def test_conditions_are_anded(active_model, test_card):
    """amount >= 1 and card_count_1d >= 2: the card's second transaction hits."""
    _rule(
        action="flag",
        conditions=[
            {"feature": "amount", "operator": ">=", "threshold": 1},
            {"feature": "card_count_1d", "operator": ">=", "threshold": 2},
        ],
    )
    first = authorize(test_card, ONE_DOLLAR)
    authorization_score(authorization=first)
    second = authorize(test_card, ONE_DOLLAR)
    authorization_score(authorization=second)

    assert list(RuleHit.objects.values_list("authorization", flat=True)) == [second.pk]
    assert RuleHit.objects.get().features == {"amount": 1.0, "card_count_1d": 2.0}


@pytest.mark.django_db
def test_a_changed_mode_takes_effect_on_the_next_authorization(active_model, test_card):
    rule = _rule(action="decline_next", mode="shadow")
    authorization_score(authorization=authorize(test_card, ONE_DOLLAR))
    assert _card(test_card).is_under_fraud_review is False

    rule_update(rule=rule, mode="active")
    authorization_score(authorization=authorize(test_card, ONE_DOLLAR))

    assert _card(test_card).is_under_fraud_review is True
    assert list(RuleHit.objects.order_by("pk").values_list("is_shadow", flat=True)) == [
        True,
        False,
    ]


def _history(rows):
    for number, (card, moment, amount) in enumerate(rows):
        historical_transaction_record(
            transaction_id=f"t{number}",
            timestamp=moment,
            card_ref=card,
            merchant_ref="m1",
            amount_minor=amount,
            currency="USD",
        )


@pytest.mark.django_db
def test_backtest_counts_the_past_hits_in_the_window():
    """Given history on 10-12 Jan and one row on 20 Jan, the rule
    amount >= 50 hits 60, 70 and 90 inside the window; adding
    card_count_1d >= 2 leaves the card's second transaction within a day."""
    _history(
        [
            ("c1", datetime(2026, 1, 10, 10, tzinfo=UTC), 1_000),
            ("c1", datetime(2026, 1, 10, 11, tzinfo=UTC), 6_000),
            ("c2", datetime(2026, 1, 11, 9, tzinfo=UTC), 7_000),
            ("c1", datetime(2026, 1, 12, 9, tzinfo=UTC), 500),
            ("c3", datetime(2026, 1, 12, 23, tzinfo=UTC), 9_000),
            ("c3", datetime(2026, 1, 20, 12, tzinfo=UTC), 9_000),
        ]
    )
    big = _rule(conditions=[{"feature": "amount", "operator": ">=", "threshold": 50}])
    repeat = _rule(
        name="big repeat",
        conditions=[
            {"feature": "amount", "operator": ">=", "threshold": 50},
            {"feature": "card_count_1d", "operator": ">=", "threshold": 2},
        ],
    )

    window = {"date_from": date(2026, 1, 10), "date_to": date(2026, 1, 12)}
    assert rule_backtest(rule=big, **window) == 3
    assert rule_backtest(rule=repeat, **window) == 1
    assert (
        rule_backtest(rule=big, date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))
        == 4
    )
    assert (
        rule_backtest(rule=big, date_from=date(2026, 2, 1), date_to=date(2026, 2, 2))
        == 0
    )


@pytest.mark.django_db
def test_the_admin_shows_the_backtest_and_refuses_bad_conditions(client):
    staff = User.objects.create_superuser(username="root", password="x")
    staff_login(client, staff)
    rule = _rule(action="flag")

    page = client.get(f"/admin/fraud/rule/{rule.pk}/change/")
    refused = client.post(
        "/admin/fraud/rule/add/",
        {
            "name": "bad",
            "conditions": '[{"feature": "pan", "operator": ">", "threshold": 1}]',
            "action": "flag",
            "mode": "shadow",
        },
    )
    added = client.post(
        "/admin/fraud/rule/add/",
        {
            "name": "good",
            "conditions": '[{"feature": "amount", "operator": ">", "threshold": 9}]',
            "action": "case",
            "mode": "shadow",
        },
    )

    assert page.status_code == 200
    assert "would have hit 0 transaction(s)" in page.content.decode()
    assert refused.status_code == 200
    assert "unknown feature" in refused.content.decode()
    assert added.status_code == 302
    good = Rule.objects.get(name="good")
    assert (good.action, good.created_by) == ("case", staff)
