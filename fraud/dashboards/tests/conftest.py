"""A small world of scored, labelled and reviewed authorizations whose every
dashboard figure is worked out by hand in the tests.

Times are offsets from `now` (a fixed moment in the selector tests, the
clock in the view and browser tests):

auth amount     when    status    active score  shadow  actions              label
a1   1_000      -3h     approved  0.05 low                                     -
a2   2_000      -2h50m  approved  0.55 high     0.60    open_case            fraud
a3   3_000      -1h     approved  0.95 crit.    0.30    case, freeze, alert  genuine
a4   200_000    -55m    declined  0.25 medium           ask_cardholder       -
a5   4_000      -20m    approved  0.15 low      0.70    flag                 fraud
a7   7_000 EUR  -15m    approved  -                                          fraud
a6   5_000      -30h    approved  0.90 crit.                                 fraud

Cases: c1 on a1 in review by bob (due +2h); c2 on a2 closed by ana as fraud
in time; c3 on a3 closed by ana as legitimate after its deadline; c4 on a4
open and overdue.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import FRAUD_ANALYST, roles_sync
from cards.models import Authorization
from cards.services.authorizations import authorization_create
from cards.tests.conftest import authorization_request
from fraud.dashboards.models import ImpactAssumptions
from fraud.models import (
    FraudAction,
    FraudScore,
    ModelVersion,
    ReviewCase,
)
from fraud.services.history import historical_transaction_label
from fraud.services.live import live_transaction_record

FIXED_NOW = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)
THRESHOLDS = {"medium": 0.2, "high": 0.5, "critical": 0.9}
TIER_OF = {0.05: "low", 0.15: "low", 0.25: "medium", 0.55: "high", 0.9: "critical"}


@dataclass
class World:
    now: datetime
    active: ModelVersion
    shadow: ModelVersion
    retired: ModelVersion
    authorizations: dict[str, Authorization] = field(default_factory=dict)
    cases: dict[str, ReviewCase] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    cards: dict[str, Any] = field(default_factory=dict)  # sandbox cards


def staff_user(username: str, role: str | None = None, **extra: Any) -> User:
    """A staff user holding `role` (one of accounts.roles), or none."""
    user = User.objects.create_user(username=username, **{"is_staff": True, **extra})
    if role is not None:
        if not Group.objects.filter(name=role).exists():
            roles_sync(apps)  # a transactional test flushed the migration's groups
        user.groups.add(Group.objects.get(name=role))
    return user


def model_version(status: str, kind: str = "logistic_regression") -> ModelVersion:
    """A registry row only: the dashboards never load its artifact."""
    return ModelVersion.objects.create(
        kind=kind,
        artifact_path=f"models/{status}.joblib",
        artifact_sha256="0" * 64,
        train_from=date(2026, 1, 1),
        train_to=date(2026, 1, 7),
        validation_from=date(2026, 1, 8),
        validation_to=date(2026, 1, 14),
        label_delay_days=7,
        tier_thresholds=THRESHOLDS,
        status=status,
    )


def _authorize(world: World, name: str, card, amount: int, at: timedelta, **extra):
    authorization = authorization_create(
        request=authorization_request(card, amount=amount, **extra), partner=None
    )
    Authorization.objects.filter(pk=authorization.pk).update(created_at=world.now + at)
    authorization.refresh_from_db()
    live_transaction_record(authorization=authorization)
    world.authorizations[name] = authorization
    return authorization


def _score(world: World, name: str, score: float, *, shadow: bool = False):
    version = world.shadow if shadow else world.active
    tier = "low" if shadow else TIER_OF.get(score, "critical")
    return FraudScore.objects.create(
        authorization=world.authorizations[name],
        model_version=version,
        score=score,
        tier=tier,
        is_shadow=shadow,
    )


def _label(world: World, name: str, is_fraud: bool, after: timedelta) -> None:
    authorization = world.authorizations[name]
    historical_transaction_label(
        transaction_id=f"auth-{authorization.public_id}",
        is_fraud=is_fraud,
        label_time=authorization.created_at + after,
    )


def _case(world: World, name: str, score: FraudScore, **values: Any) -> ReviewCase:
    created_at = values.pop("created_at")
    case = ReviewCase.objects.create(
        authorization=world.authorizations[name],
        card=world.authorizations[name].card,
        score=score,
        tier=score.tier,
        priority=1,
        **values,
    )
    ReviewCase.objects.filter(pk=case.pk).update(created_at=created_at)
    case.refresh_from_db()
    world.cases[name] = case
    return case


def _version(status: str, kind: str = "logistic_regression") -> ModelVersion:
    return ModelVersion.objects.filter(status=status).first() or model_version(
        status, kind
    )


def build_world(*, now: datetime, issue_card, suffix: str = "") -> World:
    """Create the table above (see the module docstring); again with another
    `suffix` for a second lot of the same (same model versions)."""
    world = World(
        now=now,
        active=_version(ModelVersion.Status.ACTIVE),
        shadow=_version(ModelVersion.Status.SHADOW, kind="random_forest"),
        retired=_version(ModelVersion.Status.RETIRED),
    )
    world.users = {
        name: staff_user(f"{name}{suffix}", FRAUD_ANALYST) for name in ("ana", "bob")
    }
    card = issue_card(limit=100_000)
    other = issue_card(limit=100_000)
    euro = issue_card(limit=100_000, currency="EUR")
    world.cards = {"first": card, "second": other, "euro": euro}
    minutes = lambda n: timedelta(minutes=n)  # noqa: E731
    _authorize(world, "a1", card, 1_000, -minutes(180))
    _authorize(world, "a2", card, 2_000, -minutes(170))
    _authorize(world, "a3", other, 3_000, -minutes(60))
    _authorize(world, "a4", other, 200_000, -minutes(55))
    _authorize(world, "a5", card, 4_000, -minutes(20))
    _authorize(world, "a7", euro, 7_000, -minutes(15), currency="EUR")
    _authorize(world, "a6", other, 5_000, -minutes(30 * 60))
    assert world.authorizations["a4"].status == Authorization.Status.DECLINED

    scores = {
        name: _score(world, name, value)
        for name, value in {
            "a1": 0.05,
            "a2": 0.55,
            "a3": 0.95,
            "a4": 0.25,
            "a5": 0.15,
            "a6": 0.9,
        }.items()
    }
    for name, value in {"a2": 0.6, "a3": 0.3, "a5": 0.7}.items():
        _score(world, name, value, shadow=True)
    for name, kinds in {
        "a2": ["open_case"],
        "a3": ["open_case", "freeze_card", "alert"],
        "a4": ["ask_cardholder"],
        "a5": ["flag"],
    }.items():
        for kind in kinds:
            FraudAction.objects.create(
                authorization=world.authorizations[name], kind=kind, score=scores[name]
            )
    _label(world, "a2", True, minutes(50))
    _label(world, "a3", False, minutes(50))
    _label(world, "a5", True, minutes(5))
    _label(world, "a7", True, minutes(5))
    _label(world, "a6", True, minutes(90))

    closed = ReviewCase.Status.CLOSED
    _case(
        world,
        "a1",
        scores["a1"],
        created_at=now - minutes(150),
        status=ReviewCase.Status.IN_REVIEW,
        assigned_to=world.users["bob"],
        sla_due_at=now + minutes(120),
    )
    _case(
        world,
        "a2",
        scores["a2"],
        created_at=now - minutes(169),
        status=closed,
        assigned_to=world.users["ana"],
        outcome=ReviewCase.Outcome.CONFIRMED_FRAUD,
        outcome_reason="stolen",
        sla_due_at=now + minutes(311),
        closed_at=now - minutes(120),
    )
    _case(
        world,
        "a3",
        scores["a3"],
        created_at=now - minutes(59),
        status=closed,
        assigned_to=world.users["ana"],
        outcome=ReviewCase.Outcome.LEGITIMATE,
        outcome_reason="it was them",
        sla_due_at=now - minutes(30),
        closed_at=now - minutes(10),
    )
    _case(
        world,
        "a4",
        scores["a4"],
        created_at=now - minutes(50),
        status=ReviewCase.Status.OPEN,
        sla_due_at=now - minutes(5),
    )
    return world


@pytest.fixture
def stored_assumptions(db) -> ImpactAssumptions:
    """The migration's row (a transactional test before may have flushed it)."""
    return ImpactAssumptions.objects.get_or_create(pk=1)[0]


@pytest.fixture
def world(db, issue_card) -> World:
    return build_world(now=FIXED_NOW, issue_card=issue_card)
