"""Credit score recalculation: score accounts, keep the history, propose limits.

A score is stored once per account and triggering event (the outbox event
id, or `nightly:<date>` for the nightly run): a redelivered event finds its
score and changes nothing, and a concurrent duplicate loses on the unique
constraint `accounts_creditscore_once_per_event`. A new score that moves
materially proposes a limit change to the credit review queue
(`accounts.limit_policy`), decided again under the account's row lock so
two scores of one account never propose twice.
"""

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.credit_score_selectors import (
    AccountScoreInputs,
    LimitReviewFacts,
    credit_score_inputs,
    days_past_due,
    limit_review_facts,
)
from accounts.limit_policy import LimitPlan, LimitReview, limit_review, limit_step
from accounts.lock_objects import credit_account_lock
from accounts.models import CreditAccount, CreditScore
from accounts.scorecard import score_compute, utilisation_bps
from accounts.selectors import credit_account_balance
from accounts.services.credit_decisions import credit_limit_proposal_create
from issuer.kernel.db import atomic_with_retry
from issuer.kernel.money import currency_exponent

logger = logging.getLogger(__name__)

TRIGGER_MAX_LENGTH = CreditScore._meta.get_field("trigger").max_length or 40


@dataclass(frozen=True)
class ScoreRequest:
    """Score this account because of `trigger`; `event_id` makes it once only."""

    account_id: int
    trigger: str
    event_id: str | None = None


def credit_score_recalculate(
    *,
    account: CreditAccount,
    trigger: str,
    event_id: str | None = None,
    as_of: datetime | None = None,
) -> CreditScore:
    """Score one account now; the same `event_id` again returns its first score."""
    request = ScoreRequest(account_id=account.pk, trigger=trigger, event_id=event_id)
    return credit_scores_recalculate(requests=[request], as_of=as_of)[0]


@atomic_with_retry
def credit_scores_recalculate(
    *, requests: Sequence[ScoreRequest], as_of: datetime | None = None
) -> list[CreditScore]:
    """Score many accounts in one transaction, reading their behaviour in a
    fixed number of queries; return the score of each request whose account
    exists, in order (for an event already scored: the score stored then).

    New scores are inserted in one statement; material changes propose a
    limit change.
    """
    as_of = as_of or timezone.now()
    stored = _scores_already_stored(requests)
    to_score: dict[tuple[int, str | None], ScoreRequest] = {}
    unkeyed: list[ScoreRequest] = []
    for request in requests:
        key = (request.account_id, request.event_id)
        if request.event_id is None:
            unkeyed.append(request)
        elif key not in stored:
            to_score.setdefault(key, request)
    pending = [*to_score.values(), *unkeyed]
    inputs = credit_score_inputs(
        account_ids={r.account_id for r in pending}, as_of=as_of
    )
    fresh = [
        _score_row(request, inputs[request.account_id])
        for request in pending
        if request.account_id in inputs
    ]
    created = _scores_insert(fresh)
    for new_score in created:
        if new_score.event_id is not None:
            stored[(new_score.account_id, new_score.event_id)] = new_score
    if len(created) < len(fresh):  # a concurrent delivery stored the others
        stored |= _scores_already_stored(
            [r for key, r in to_score.items() if key not in stored]
        )
    _limit_reviews(created, inputs, today=timezone.localdate(as_of))
    unkeyed_scores = iter(s for s in created if s.event_id is None)
    results = []
    for request in requests:
        score: CreditScore | None = None
        if request.event_id is not None:
            score = stored.get((request.account_id, request.event_id))
        elif request.account_id in inputs:
            score = next(unkeyed_scores)
        if score is None:
            logger.warning("credit account %s not found", request.account_id)
            continue
        results.append(score)
    return results


def _scores_already_stored(
    requests: Sequence[ScoreRequest],
) -> dict[tuple[int, str | None], CreditScore]:
    keyed = [r for r in requests if r.event_id is not None]
    if not keyed:
        return {}
    scores = CreditScore.objects.filter(
        account_id__in={r.account_id for r in keyed},
        event_id__in={r.event_id for r in keyed},
    )
    return {(s.account_id, s.event_id): s for s in scores}


def _score_row(request: ScoreRequest, read: AccountScoreInputs) -> CreditScore:
    result = score_compute(read.inputs)
    return CreditScore(
        account_id=request.account_id,
        score=result.score,
        reasons=result.reasons,
        trigger=request.trigger[:TRIGGER_MAX_LENGTH],
        event_id=request.event_id,
        inputs=asdict(read.inputs),
    )


def _scores_insert(scores: list[CreditScore]) -> list[CreditScore]:
    """Insert new scores in one statement; if a concurrent delivery stored
    some first, insert the rest one by one and leave those to it."""
    if not scores:
        return []
    try:
        with transaction.atomic():
            return CreditScore.objects.bulk_create(scores)
    except IntegrityError:
        pass
    created = []
    for score in scores:
        score.pk = None
        try:
            with transaction.atomic():
                score.save(force_insert=True)
        except IntegrityError:
            logger.info(
                "credit score for account %s event %s already stored",
                score.account_id,
                score.event_id,
            )
            continue
        created.append(score)
    return created


def _limit_reviews(
    scores: list[CreditScore], inputs: dict[int, AccountScoreInputs], *, today: date
) -> None:
    """Propose a limit change where a new score calls for one.

    A first look uses what the batch read; only accounts it selects are
    locked (by pk, in order) and decided again on what the lock shows.
    """
    if not scores:
        return
    facts = limit_review_facts(account_ids={s.account_id for s in scores})
    for score in sorted(scores, key=lambda s: (s.account_id, s.pk)):
        read = inputs[score.account_id]
        if _plan(score, read, facts[score.account_id], today=today) is None:
            continue
        account = credit_account_lock(account_id=score.account_id)
        balance = credit_account_balance(account=account)
        locked_read = AccountScoreInputs(
            account_id=account.pk,
            status=account.status,
            currency=account.currency,
            credit_limit=account.credit_limit,
            owed=balance.posted_balance + balance.pending,
            delinquent_since=account.delinquent_since,
            inputs=read.inputs,
        )
        locked_facts = limit_review_facts(account_ids=[account.pk])[account.pk]
        plan = _plan(score, locked_read, locked_facts, today=today)
        if plan is None:
            continue
        credit_limit_proposal_create(
            account=account,
            proposed_limit=plan.proposed_limit,
            reasons=plan.reasons,
            score=score,
        )
        logger.info(
            "credit score %s proposes a limit %s for account %s",
            score.score,
            plan.direction.value,
            account.public_id,
        )


def _plan(
    score: CreditScore,
    read: AccountScoreInputs,
    facts: LimitReviewFacts,
    *,
    today: date,
) -> LimitPlan | None:
    review = LimitReview(
        score=score.score,
        reference_score=facts.reference_score,
        status=read.status,
        credit_limit=read.credit_limit,
        owed=read.owed,
        utilisation_bps=utilisation_bps(owed=read.owed, credit_limit=read.credit_limit),
        days_past_due=days_past_due(
            delinquent_since=read.delinquent_since, today=today
        ),
        missed_payments_12m=read.inputs.missed_payments_12m,
        pending_direction=facts.pending_direction,
        is_delinquency_decrease_proposed=facts.is_delinquency_decrease_proposed,
        step=limit_step(currency_exponent(read.currency)),
    )
    return limit_review(review, score_reasons=list(score.reasons))
