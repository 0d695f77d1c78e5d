"""The review queue: claiming, assigning, notes, attached transactions,
escalation and reopening. Verdicts are `fraud.services.outcomes`.

Analysts claim the most urgent, then oldest, open case nobody holds;
escalated cases wait for a supervisor. Claims skip rows another analyst is
locking (SKIP LOCKED), so two analysts never get the same case.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cards.models import Authorization
from fraud.models import ReviewCase, ReviewCaseNote, ReviewCaseTransaction
from issuer.kernel.db import atomic_with_retry
from issuer.kernel.errors import Conflict, Forbidden, InvalidInput

WORK_PERMISSION = "fraud.work_reviewcase"
ASSIGN_PERMISSION = "fraud.assign_reviewcase"
ESCALATED_PRIORITY = 1
ESCALATION_SLA = timedelta(hours=4)


def _require(user: User, permission: str, message: str) -> None:
    if not user.has_perm(permission):
        raise Forbidden(message)


def _lock_open(case: ReviewCase) -> ReviewCase:
    locked = ReviewCase.objects.select_for_update().get(pk=case.pk)
    if locked.status == ReviewCase.Status.CLOSED:
        raise Conflict(
            "This case is closed.",
            fields={"status": [f"Closed as {locked.outcome}."]},
        )
    return locked


def _require_holder(case: ReviewCase, user: User) -> None:
    """Only the analyst holding a case, or a supervisor, works on it."""
    if case.assigned_to_id not in (None, user.pk) and not user.has_perm(
        ASSIGN_PERMISSION
    ):
        raise Forbidden("This case is assigned to another analyst.")


def review_case_claim_next(*, analyst: User) -> ReviewCase | None:
    """Assign the analyst the most urgent, then oldest, open unassigned case.

    Supervisors also take escalated cases (first); analysts never do.
    None when nothing is waiting.
    """
    _require(analyst, WORK_PERMISSION, "Only fraud analysts claim review cases.")
    waiting = ReviewCase.objects.filter(
        status=ReviewCase.Status.OPEN, assigned_to__isnull=True
    )
    if not analyst.has_perm(ASSIGN_PERMISSION):
        waiting = waiting.filter(is_escalated=False)
    with transaction.atomic():
        case = (
            waiting.select_for_update(skip_locked=True)
            .order_by("-is_escalated", "priority", "sla_due_at", "pk")
            .first()
        )
        if case is None:
            return None
        case.assigned_to = analyst
        case.status = ReviewCase.Status.IN_REVIEW
        case.save(update_fields=["assigned_to", "status"])
    return case


@atomic_with_retry
def review_case_assign(*, case: ReviewCase, analyst: User, actor: User) -> ReviewCase:
    """A supervisor hands an open case to an analyst."""
    _require(actor, ASSIGN_PERMISSION, "Only fraud supervisors assign review cases.")
    if not analyst.is_active or not analyst.has_perm(WORK_PERMISSION):
        raise InvalidInput.for_field("analyst", "This user cannot work fraud cases.")
    locked = _lock_open(case)
    locked.assigned_to = analyst
    locked.status = ReviewCase.Status.IN_REVIEW
    locked.save(update_fields=["assigned_to", "status"])
    return locked


@atomic_with_retry
def review_case_escalate(*, case: ReviewCase, reason: str, actor: User) -> ReviewCase:
    """Send a case up to the supervisors: most urgent, unassigned, noted why."""
    _require(actor, WORK_PERMISSION, "Only fraud analysts escalate review cases.")
    reason = _text("reason", reason)
    locked = _lock_open(case)
    _require_holder(locked, actor)
    locked.is_escalated = True
    locked.priority = ESCALATED_PRIORITY
    locked.sla_due_at = min(locked.sla_due_at, timezone.now() + ESCALATION_SLA)
    locked.assigned_to = None
    locked.status = ReviewCase.Status.OPEN
    locked.save(
        update_fields=[
            "is_escalated",
            "priority",
            "sla_due_at",
            "assigned_to",
            "status",
        ]
    )
    ReviewCaseNote.objects.create(
        case=locked, author=actor, body=f"Escalated: {reason}"
    )
    return locked


@atomic_with_retry
def review_case_reopen(*, case: ReviewCase, reason: str, actor: User) -> ReviewCase:
    """A supervisor reopens a closed case; its earlier verdict stays in the notes.

    Labels and card actions of the earlier verdict stand until a new verdict
    changes the label (a replaced card stays replaced).
    """
    _require(actor, ASSIGN_PERMISSION, "Only fraud supervisors reopen review cases.")
    reason = _text("reason", reason)
    locked = ReviewCase.objects.select_for_update().get(pk=case.pk)
    if locked.status != ReviewCase.Status.CLOSED:
        raise Conflict("Only a closed case can be reopened.")
    earlier = f"{locked.get_outcome_display()} ({locked.outcome_reason})"
    locked.status = ReviewCase.Status.OPEN
    locked.outcome = ""
    locked.outcome_reason = ""
    locked.closed_at = None
    locked.assigned_to = None
    locked.save(
        update_fields=[
            "status",
            "outcome",
            "outcome_reason",
            "closed_at",
            "assigned_to",
        ]
    )
    ReviewCaseNote.objects.create(
        case=locked, author=actor, body=f"Reopened (was {earlier}): {reason}"
    )
    return locked


@atomic_with_retry
def review_case_note_add(
    *, case: ReviewCase, body: str, author: User
) -> ReviewCaseNote:
    """Add a note to a case (notes are never edited)."""
    _require(author, WORK_PERMISSION, "Only fraud analysts write case notes.")
    return ReviewCaseNote.objects.create(
        case=case, author=author, body=_text("note", body, limit=4000)
    )


@atomic_with_retry
def review_case_transactions_attach(
    *, case: ReviewCase, authorizations: list[Authorization], actor: User
) -> int:
    """Tie other authorizations of the same card to an open case.

    Returns how many were newly attached; attaching one twice changes nothing.
    """
    _require(actor, WORK_PERMISSION, "Only fraud analysts attach transactions.")
    locked = _lock_open(case)
    _require_holder(locked, actor)
    foreign = [a for a in authorizations if a.card_id != locked.card_id]
    if foreign:
        raise InvalidInput.for_field(
            "authorizations", "Only the case card's transactions can be attached."
        )
    attached = set(
        ReviewCaseTransaction.objects.filter(case=locked).values_list(
            "authorization_id", flat=True
        )
    )
    new = [
        ReviewCaseTransaction(case=locked, authorization=a, attached_by=actor)
        for a in authorizations
        if a.pk not in attached and a.pk != locked.authorization_id
    ]
    ReviewCaseTransaction.objects.bulk_create(new)
    return len(new)


def _text(field: str, value: str, *, limit: int = 255) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput.for_field(field, "This field is required.")
    if len(value) > limit:
        raise InvalidInput.for_field(field, f"At most {limit} characters.")
    return value
