"""Scoring live authorizations: copy each into the history, score it once per
model version, and let the active version's tier decide the action."""

import logging
from datetime import datetime

from django.db import IntegrityError, transaction

from cards.models import Authorization
from fraud.models import FraudScore, HistoricalTransaction, ModelVersion
from fraud.selectors import model_versions_scoring
from fraud.services.actions import tier_actions_apply
from fraud.services.history import historical_transaction_record
from fraud.services.rules import authorization_rules_apply
from fraud.services.scoring import historical_transaction_score

logger = logging.getLogger(__name__)
UNKNOWN_CARD = "unknown-card"


def live_transaction_id(authorization: Authorization) -> str:
    return f"auth-{authorization.public_id}"


def live_transaction_record(*, authorization: Authorization) -> HistoricalTransaction:
    """The authorization as fraud detection's history sees it (idempotent)."""
    return historical_transaction_record(
        transaction_id=live_transaction_id(authorization),
        timestamp=authorization.created_at,
        card_ref=str(authorization.card.public_id)
        if authorization.card
        else UNKNOWN_CARD,
        merchant_ref=authorization.merchant_id,
        amount_minor=authorization.amount,
        currency=authorization.currency,
        mcc=authorization.mcc,
        merchant_country=authorization.merchant_country,
        channel=authorization.channel,
        cvv_failed=authorization.response_code == "N7",
        declined=authorization.status == Authorization.Status.DECLINED,
    )


def authorization_score(
    *, authorization: Authorization, event_created_at: datetime | None = None
) -> list[FraudScore]:
    """Score one authorization with every active and shadow version, once each.

    A score that already exists is kept as it is; only the active version's
    tier causes actions, and each action happens once. Staff rules run on
    the same features after the active score (`authorization_rules_apply`).
    """
    versions = list(model_versions_scoring())
    if not versions:
        return []
    record = live_transaction_record(authorization=authorization)
    done = {
        score.model_version_id: score
        for score in FraudScore.objects.filter(authorization=authorization)
    }
    scores = []
    for version in versions:
        score = done.get(version.pk) or _score_once(
            authorization, record, version, event_created_at
        )
        scores.append(score)
        if version.status == ModelVersion.Status.ACTIVE:
            tier_actions_apply(score=score)
            authorization_rules_apply(
                authorization=authorization, record=record, score=score
            )
    return scores


def _score_once(
    authorization: Authorization,
    record: HistoricalTransaction,
    version: ModelVersion,
    event_created_at: datetime | None,
) -> FraudScore:
    scored = historical_transaction_score(transaction=record, version=version)
    try:
        with transaction.atomic():
            return FraudScore.objects.create(
                authorization=authorization,
                model_version=version,
                score=min(max(float(scored.score), 0.0), 1.0),
                tier=scored.tier,
                explanation=[
                    {
                        "feature": contribution.feature,
                        "value": round(float(contribution.value), 6),
                        "contribution": round(float(contribution.contribution), 6),
                    }
                    for contribution in scored.explanations
                ],
                is_shadow=version.status == ModelVersion.Status.SHADOW,
                event_created_at=event_created_at,
            )
    except IntegrityError:  # a concurrent duplicate delivery scored it first
        return FraudScore.objects.get(
            authorization=authorization, model_version=version
        )
