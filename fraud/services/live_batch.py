"""Scoring many live authorizations at once, on the offline feature path.

The same result as `authorization_score` for each one (history copy, one
score per version, tier actions and rules once), with a handful of queries
per batch instead of several per authorization: the batch's history rows are
inserted in one statement, the history of its cards and merchants is read
once as a frame, features and scores are computed as matrices, and scores
and rule hits are inserted in bulk (duplicates ignored). Explanations are
computed for scores above Low only: nobody reads a Low one.
"""

import json
from collections.abc import Sequence
from datetime import timedelta

import numpy as np
from django.db import connection, transaction
from django.db.models.constants import OnConflict
from django.utils import timezone

from cards.models import Authorization
from fraud.models import FraudScore, HistoricalTransaction, ModelVersion, Rule, RuleHit
from fraud.scoring.features import (
    FEATURE_NAMES,
    RiskEncodings,
    feature_matrix,
    history_raw_features,
)
from fraud.scoring.model import LOW
from fraud.scoring.rules import conditions_mask
from fraud.selectors import (
    HISTORY_LOOKBACK,
    authorization_fraud_score,
    authorizations_unscored,
    history_frame,
    model_versions_scoring,
    scoring_model_load,
)
from fraud.services.actions import fraud_action_take, tier_actions_apply
from fraud.services.history import history_rows_insert
from fraud.services.live import UNKNOWN_CARD
from fraud.services.rules import ACTION_KINDS

_ONE_MICROSECOND = timedelta(microseconds=1)
# How many authorizations, from a pass's oldest unscored one on, a scoring
# task examines for others still waiting (what it catches up on at once when
# the queue is behind).
BACKLOG_LIMIT = 2_000


AUTHORIZATION_FIELDS = (
    "pk",
    "public_id",
    "created_at",
    "card__public_id",
    "merchant_id",
    "amount",
    "currency",
    "mcc",
    "merchant_country",
    "channel",
    "response_code",
    "status",
)


def _history_values(row: tuple) -> tuple:
    """An authorization's values row as the history stores it (STORED_FIELDS)."""
    (_, public_id, created_at, card_id, merchant_id, amount, currency, mcc,
     country, channel, response_code, status) = row  # fmt: skip
    return (
        f"auth-{public_id}",
        created_at,
        str(card_id) if card_id else UNKNOWN_CARD,
        merchant_id,
        amount,
        currency,
        mcc,
        country.upper(),
        channel.lower(),
        response_code == "N7",
        status == Authorization.Status.DECLINED,
        None,
        None,
    )


def authorizations_backlog(*, authorizations: Sequence[Authorization]) -> list[int]:
    """The given authorizations the active version has not scored, plus the
    unscored ones among the next BACKLOG_LIMIT authorizations (by pk); empty
    when all the given ones are scored already.

    The given ones are always included, so every authorization is scored by
    the delivery of its own outbox event at the latest (at-least-once relay,
    sweeper included); the look-ahead only saves later passes their work.
    Nothing is derived from a window or a cursor, so an authorization whose
    lower pk commits after a higher one cannot be skipped, and the look-up's
    cost does not grow with the authorizations already scored.
    """
    versions = list(model_versions_scoring())
    active = next((v for v in versions if v.status == ModelVersion.Status.ACTIVE), None)
    if active is None or not authorizations:
        return []
    ids = {authorization.pk for authorization in authorizations}
    scored = set(
        FraudScore.objects.filter(
            model_version=active, authorization_id__in=ids
        ).values_list("authorization_id", flat=True)
    )
    unscored = ids - scored
    if not unscored:
        return []
    waiting = authorizations_unscored(
        version=active, from_pk=min(unscored), limit=BACKLOG_LIMIT
    )
    return sorted(set(waiting) | unscored)


def tier_actions_finish(*, authorization: Authorization) -> None:
    """Take the active score's tier actions not taken yet: a delivery that
    died between scoring and acting is finished by the next one."""
    score = authorization_fraud_score(authorization=authorization)
    if score is not None and score.tier != LOW:
        tier_actions_apply(score=score)


def authorizations_score_batch(*, authorization_ids: Sequence[int]) -> int:
    """Score the authorizations with every active and shadow version, once
    each; return how many scores were stored now."""
    versions = list(model_versions_scoring())
    found = list(
        Authorization.objects.filter(pk__in=authorization_ids).values_list(
            *AUTHORIZATION_FIELDS
        )
    )
    if not versions or not found:
        return 0
    rows = [_history_values(row) for row in found]
    history_rows_insert(rows=rows, source=HistoricalTransaction.Source.LIVE)
    start = min(row[1] for row in rows)
    end = max(row[1] for row in rows) + _ONE_MICROSECOND
    history = history_frame(
        start=start - HISTORY_LOOKBACK,
        end=end,
        card_refs={row[2] for row in rows},
        merchant_refs={row[3] for row in rows},
    )
    raw, order = history_raw_features(history)
    position = {
        tid: index
        for index, tid in enumerate(history["transaction_id"].to_numpy()[order])
    }
    wanted = np.array([position[row[0]] for row in rows])
    ids = [row[0] for row in found]
    stored = 0
    for version in versions:
        stored += _score_version(version, ids, raw, wanted)
    return stored


def _score_version(
    version: ModelVersion, ids: list[int], raw: dict, wanted: np.ndarray
) -> int:
    model = scoring_model_load(version=version)
    selected = {name: values[wanted] for name, values in raw.items()}
    features = feature_matrix(selected, model.encodings, model.feature_names)
    scores = np.clip(model.score_matrix(features), 0.0, 1.0)
    thresholds = version.tier_thresholds or None
    is_shadow = version.status == ModelVersion.Status.SHADOW
    now = timezone.now()
    new = []
    for index, authorization_id in enumerate(ids):
        value = float(scores[index])
        tier = model.tier(value, thresholds)
        explanation = []
        if tier != LOW:
            explanation = [
                {
                    "feature": c.feature,
                    "value": round(float(c.value), 6),
                    "contribution": round(float(c.contribution), 6),
                }
                for c in model.explain_vector(features[index])
            ]
        new.append(
            (
                authorization_id,
                version.pk,
                value,
                tier,
                json.dumps(explanation),
                is_shadow,
                None,
                now,
            )
        )
    stored = _scores_insert(new)
    if is_shadow:
        return stored
    acting = {
        row.authorization_id: row
        for row in FraudScore.objects.select_related(
            "authorization__card", "model_version"
        )
        .filter(model_version=version, authorization_id__in=ids)
        .exclude(tier=LOW)
    }
    for row in acting.values():
        tier_actions_apply(score=row)
    _rules_apply(model.encodings, selected, ids, version)
    return stored


_SCORE_COLUMNS = (
    "authorization",
    "model_version",
    "score",
    "tier",
    "explanation",
    "is_shadow",
    "event_created_at",
    "scored_at",
)


def _scores_insert(values: list[tuple]) -> int:
    """Insert scores, skipping (authorization, version) pairs already scored;
    one multi-row INSERT ... IGNORE: return rows inserted."""
    meta = FraudScore._meta
    fields = [meta.get_field(name) for name in _SCORE_COLUMNS]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)  # type: ignore[union-attr]
    placeholders = ", ".join(["%s"] * len(fields))
    statement = connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)
    suffix = connection.ops.on_conflict_suffix_sql(
        fields, OnConflict.IGNORE, None, None
    )
    sql = f"{statement} {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"
    if suffix:
        sql = f"{sql} {suffix}"
    adapt = connection.ops.adapt_datetimefield_value
    rows = [(*row[:7], adapt(row[7])) for row in values]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        return max(cursor.rowcount, 0)


def _rules_apply(
    encodings: RiskEncodings, selected: dict, ids: list[int], version: ModelVersion
) -> None:
    rules = list(Rule.objects.all())
    if not rules:
        return
    matrix = feature_matrix(selected, encodings, FEATURE_NAMES)
    for rule in rules:
        hits = np.flatnonzero(conditions_mask(rule.conditions, matrix))
        if not len(hits):
            continue
        is_shadow = rule.mode == Rule.Mode.SHADOW
        already = set(
            RuleHit.objects.filter(
                rule=rule, authorization_id__in=[ids[i] for i in hits]
            ).values_list("authorization_id", flat=True)
        )
        fresh = [i for i in hits if ids[i] not in already]
        with transaction.atomic():
            RuleHit.objects.bulk_create(
                [
                    RuleHit(
                        authorization_id=ids[i],
                        rule=rule,
                        is_shadow=is_shadow,
                        features={
                            c["feature"]: round(
                                float(matrix[i, FEATURE_NAMES.index(c["feature"])]), 6
                            )
                            for c in rule.conditions
                        },
                    )
                    for i in fresh
                ],
                ignore_conflicts=True,
            )
        if is_shadow:
            continue
        scores = FraudScore.objects.select_related(
            "authorization__card", "model_version"
        ).filter(model_version=version, authorization_id__in=[ids[i] for i in fresh])
        for score in scores:
            fraud_action_take(score=score, kind=ACTION_KINDS[rule.action], rule=rule)
