"""Disputes of cleared transactions, and captures the issuer will dispute.

A cardholder files a dispute on a capture within the filing window; a
provisional credit posts at once. Staff submit it to the network, which
decides it won or lost; the cardholder may withdraw it while it is open.

Postings (receivable: the cardholder's account; suspense: the program's
`dispute_suspense`; settlement: `merchant_settlement`):

- filed, "dispute_credit": debit suspense, credit receivable. The cardholder
  has the money back at once; suspense carries the claim on the network
  until the dispute is decided.
- won, "dispute_won": debit settlement, credit suspense. The network charges
  the amount back to the acquirer, netted from what the issuer owes it; the
  cardholder keeps the credit.
- lost or withdrawn, "dispute_reversal": debit receivable, credit suspense.
  The credit is taken back; when that passes the credit limit the entry is
  posted forced (the ledger records it as such), never refused.

Once decided, a dispute's postings on suspense net to zero.

Deadlines, fixed when filed (settings, UTC):
- filing: up to DISPUTE_FILING_DAYS after the day the capture cleared;
- `submission_due_at`: filed + DISPUTE_SUBMISSION_DAYS, to submit to the
  network;
- `decision_due_at`: filed + DISPUTE_DECISION_DAYS, to have it decided
  (Regulation Z: two billing cycles, at most 90 days).

Amount: at most what is left of the capture: its amount less every dispute
on it that was not withdrawn (a lost dispute is final), and, for a capture
of an authorization, no more than the authorization's captured amount less
its refunds and disputes. Refunds without an authorization cannot be tied
to a capture and are not counted.

Every service takes `now` so batch runs and tests can travel in time; each
locks the credit account first, then the dispute. A retried submission,
decision or withdrawal that already happened returns the dispute unchanged
and posts nothing; a different decision on a decided dispute is a conflict.
"""

import datetime
import logging
import uuid
from collections.abc import Collection
from pathlib import PurePath

from django.conf import settings
from django.core.files import File
from django.db.models import QuerySet, Sum
from django.utils import timezone

from accounts.chart import DISPUTE_SUSPENSE, MERCHANT_SETTLEMENT, program_account
from accounts.lock_objects import credit_account_lock
from accounts.models import Cardholder, CreditAccount, User
from accounts.selectors import credit_account_balance
from cards.lock_objects import dispute_lock
from cards.models import Authorization, Capture, Card, Dispute
from issuer.kernel.db import atomic_with_retry
from issuer.kernel.errors import Conflict, Forbidden, InvalidInput
from issuer.kernel.money import validate_amount
from issuer.kernel.outbox import event_publish
from ledger.models import JournalEntry
from ledger.services.entries import credit, debit, entry_post

logger = logging.getLogger(__name__)

SUBMIT_PERMISSION = "cards.submit_dispute"
RESOLVE_PERMISSION = "cards.resolve_dispute"
DESCRIPTION_MAX_LENGTH = 2_000
NOTE_MAX_LENGTH = 2_000

# Evidence file types: extension -> the bytes such a file starts with.
EVIDENCE_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}


def captures_fraud_dispute_mark(*, authorization_ids: Collection[int]) -> int:
    """Mark the captures of these authorizations as confirmed fraud to dispute.

    Marks each capture once (the first verdict's time stays); returns how
    many were newly marked.
    """
    return Capture.objects.filter(
        authorization_id__in=list(authorization_ids),
        fraud_dispute_marked_at__isnull=True,
    ).update(fraud_dispute_marked_at=timezone.now())


def dispute_filing_deadline(*, capture: Capture) -> datetime.date:
    """The last day (UTC) a dispute of this capture may be filed."""
    cleared_on = capture.created_at.astimezone(datetime.UTC).date()
    return cleared_on + datetime.timedelta(days=settings.DISPUTE_FILING_DAYS)


def dispute_disputable_amount(*, capture: Capture) -> int:
    """What of the capture may still be disputed (read under the account lock)."""
    counted = Dispute.objects.exclude(status=Dispute.Status.WITHDRAWN)
    left = capture.amount - _sum(counted.filter(capture=capture))
    if capture.authorization_id is not None:
        authorization = Authorization.objects.get(pk=capture.authorization_id)
        on_authorization = _sum(
            counted.filter(capture__authorization_id=capture.authorization_id)
        )
        left = min(
            left,
            authorization.captured_amount
            - authorization.refunded_amount
            - on_authorization,
        )
    return max(left, 0)


def _sum(disputes: QuerySet[Dispute]) -> int:
    return int(disputes.aggregate(total=Sum("amount"))["total"] or 0)


def _aware(now: datetime.datetime | None) -> datetime.datetime:
    if now is None:
        return timezone.now()
    if timezone.is_naive(now):
        raise InvalidInput.for_field("now", "Must be timezone-aware.")
    return now


def _text(value: object, *, field: str, max_length: int, required: bool) -> str:
    if not isinstance(value, str):
        raise InvalidInput.for_field(field, "Must be text.")
    value = value.strip()
    if required and not value:
        raise InvalidInput.for_field(field, "Say what happened.")
    if len(value) > max_length:
        raise InvalidInput.for_field(
            field, f"At most {max_length} characters ({len(value)} given)."
        )
    return value


def _reason(reason: object) -> str:
    if reason not in Dispute.Reason.values:
        raise InvalidInput.for_field(
            "reason", f"Choose one of {', '.join(Dispute.Reason.values)}."
        )
    return str(reason)


def dispute_evidence_check(*, evidence: File) -> str:
    """Check an evidence file's size and type; return its extension.

    A PDF, PNG or JPEG, no larger than DISPUTE_EVIDENCE_MAX_BYTES, whose
    content starts as its extension says.
    """
    extension = PurePath(evidence.name or "").suffix.lower()
    signatures = EVIDENCE_SIGNATURES.get(extension)
    if signatures is None:
        raise InvalidInput.for_field("evidence", "Attach a PDF, PNG or JPEG file.")
    size = evidence.size
    if not size:
        raise InvalidInput.for_field("evidence", "The file is empty.")
    limit = settings.DISPUTE_EVIDENCE_MAX_BYTES
    if size > limit:
        raise InvalidInput.for_field(
            "evidence", f"The file is {size} bytes; at most {limit} are accepted."
        )
    evidence.seek(0)
    head = evidence.read(16)
    evidence.seek(0)
    if not head.startswith(signatures):
        raise InvalidInput.for_field(
            "evidence", f"The file's content is not a {extension[1:].upper()}."
        )
    return extension


def dispute_file(
    *,
    capture: Capture,
    amount: int,
    reason: str,
    description: str,
    evidence: File | None = None,
    cardholder_user: User | None = None,
    now: datetime.datetime | None = None,
) -> Dispute:
    """File a dispute of a cleared transaction and credit the account at once.

    `cardholder_user`, when given (the portal), must be the account's
    cardholder. Bad input raises InvalidInput naming the field; a second
    open dispute of one capture is a Conflict. Nothing is written on error
    (an evidence file stored first is deleted again).
    """
    now = _aware(now)
    validate_amount(amount)
    reason = _reason(reason)
    description = _text(
        description,
        field="description",
        max_length=DESCRIPTION_MAX_LENGTH,
        required=True,
    )
    extension = (
        dispute_evidence_check(evidence=evidence) if evidence is not None else ""
    )
    public_id = uuid.uuid4()
    storage = Dispute._meta.get_field("evidence").storage  # type: ignore[attr-defined]
    stored = ""
    if evidence is not None:
        stored = storage.save(f"disputes/{public_id}{extension}", evidence)
    try:
        return _dispute_record(
            public_id=public_id,
            capture=capture,
            amount=amount,
            reason=reason,
            description=description,
            evidence=stored,
            evidence_name=(
                PurePath(evidence.name or "").name[-120:]
                if evidence is not None
                else ""
            ),
            cardholder_user=cardholder_user,
            now=now,
        )
    except BaseException:
        if stored:
            storage.delete(stored)
        raise


@atomic_with_retry
def _dispute_record(
    *,
    public_id: uuid.UUID,
    capture: Capture,
    amount: int,
    reason: str,
    description: str,
    evidence: str,
    evidence_name: str,
    cardholder_user: User | None,
    now: datetime.datetime,
) -> Dispute:
    account_id = Card.objects.values_list("account_id", flat=True).get(
        pk=capture.card_id
    )
    account = credit_account_lock(account_id=account_id)
    capture = Capture.objects.select_related("card", "authorization").get(pk=capture.pk)
    if (
        cardholder_user is not None
        and not Cardholder.objects.filter(
            pk=account.cardholder_id, user=cardholder_user
        ).exists()
    ):
        raise Forbidden("Only the account's cardholder may dispute its transactions.")
    if now < capture.created_at:
        raise InvalidInput.for_field(
            "now", "A dispute cannot be filed before the transaction cleared."
        )
    deadline = dispute_filing_deadline(capture=capture)
    if now.astimezone(datetime.UTC).date() > deadline:
        raise InvalidInput.for_field(
            "capture",
            f"The filing window closed on {deadline.isoformat()} "
            f"({settings.DISPUTE_FILING_DAYS} days after the transaction cleared).",
        )
    if Dispute.objects.filter(open_capture=capture).exists():
        raise Conflict(
            "This transaction already has an open dispute.",
            fields={"capture": ["Already disputed; wait for the decision."]},
        )
    disputable = dispute_disputable_amount(capture=capture)
    if amount > disputable:
        raise InvalidInput.for_field(
            "amount",
            f"At most {disputable} {capture.currency} of this transaction "
            "can be disputed.",
        )
    merchant = _merchant(capture)
    entry = entry_post(
        legs=[
            debit(program_account(DISPUTE_SUSPENSE, capture.currency), amount),
            credit(account.receivable, amount),
        ],
        kind="dispute_credit",
        idempotency_key=f"dispute:{public_id}:credit",
        effective_at=now,
        description=f"Dispute (provisional credit): {merchant}"[:255],
        external_ref=str(public_id),
    )
    dispute = Dispute.objects.create(
        public_id=public_id,
        capture=capture,
        open_capture=capture,
        account=account,
        amount=amount,
        currency=capture.currency,
        reason=reason,
        description=description,
        evidence=evidence,
        evidence_name=evidence_name,
        status=Dispute.Status.FILED,
        filed_at=now,
        filed_by=cardholder_user,
        submission_due_at=now
        + datetime.timedelta(days=settings.DISPUTE_SUBMISSION_DAYS),
        decision_due_at=now + datetime.timedelta(days=settings.DISPUTE_DECISION_DAYS),
        provisional_credit_entry=entry,
    )
    _publish(dispute, "dispute.filed", account=account)
    return dispute


def _merchant(capture: Capture) -> str:
    authorization = capture.authorization
    if authorization is None:
        return "transaction without authorization"
    return authorization.merchant_name or authorization.merchant_id


def _publish(dispute: Dispute, type: str, *, account: CreditAccount) -> None:
    capture = dispute.capture
    authorization = capture.authorization
    payload: dict[str, object] = {
        "dispute_id": str(dispute.public_id),
        "account_id": str(account.public_id),
        "capture_id": str(capture.public_id),
        "authorization_id": str(authorization.public_id) if authorization else None,
        "card_id": str(capture.card.public_id),
        "amount": dispute.amount,
        "currency": dispute.currency,
        "reason": dispute.reason,
        "status": dispute.status,
    }
    if type == "dispute.filed":
        payload |= {
            "filed_at": dispute.filed_at.isoformat(),
            "submission_due_at": dispute.submission_due_at.isoformat(),
            "decision_due_at": dispute.decision_due_at.isoformat(),
        }
    elif type == "dispute.submitted":
        assert dispute.submitted_at is not None
        payload["submitted_at"] = dispute.submitted_at.isoformat()
    else:
        assert dispute.resolved_at is not None
        payload |= {
            "outcome": dispute.status,
            "resolved_at": dispute.resolved_at.isoformat(),
        }
    event_publish(
        type=type,
        aggregate_type="dispute",
        aggregate_id=str(dispute.public_id),
        payload=payload,
    )


def _lock(dispute: Dispute) -> tuple[CreditAccount, Dispute]:
    """Lock the dispute's account, then the dispute; return both fresh."""
    account = credit_account_lock(account_id=dispute.account_id)
    return account, dispute_lock(dispute_id=dispute.pk)


def _check_staff(staff_user: User | None, permission: str, message: str) -> None:
    if staff_user is not None and not staff_user.has_perm(permission):
        raise Forbidden(message)


def _not_before_filing(dispute: Dispute, now: datetime.datetime) -> None:
    if now < dispute.filed_at:
        raise InvalidInput.for_field("now", "Cannot be before the dispute was filed.")


def _refresh(target: Dispute, source: Dispute) -> Dispute:
    """Copy the locked row's state onto the caller's instance."""
    for field in Dispute._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


@atomic_with_retry
def dispute_submit(
    *,
    dispute: Dispute,
    staff_user: User | None = None,
    now: datetime.datetime | None = None,
) -> Dispute:
    """Record that staff submitted a filed dispute to the network.

    `staff_user` (None: the system) needs the submit permission. Submitting
    again changes nothing.
    """
    now = _aware(now)
    _check_staff(staff_user, SUBMIT_PERMISSION, "Only support agents submit disputes.")
    account, locked = _lock(dispute)
    if locked.status == Dispute.Status.SUBMITTED:
        return _refresh(dispute, locked)
    if locked.status != Dispute.Status.FILED:
        raise Conflict(
            f"This dispute is already {locked.status}.",
            fields={"status": [f"The dispute is {locked.status}."]},
        )
    _not_before_filing(locked, now)
    locked.status = Dispute.Status.SUBMITTED
    locked.submitted_at = now
    locked.submitted_by = staff_user
    locked.save(update_fields=["status", "submitted_at", "submitted_by"])
    _publish(locked, "dispute.submitted", account=account)
    return _refresh(dispute, locked)


@atomic_with_retry
def dispute_resolve(
    *,
    dispute: Dispute,
    outcome: str,
    note: str = "",
    staff_user: User | None = None,
    now: datetime.datetime | None = None,
) -> Dispute:
    """Record the network's decision on a submitted dispute and post it.

    Won keeps the provisional credit and recovers it from the merchant's
    side; lost takes it back (forced past the limit if need be). Recording
    the same decision again changes nothing; another decision is a Conflict.
    """
    now = _aware(now)
    if outcome not in (Dispute.Status.WON, Dispute.Status.LOST):
        raise InvalidInput.for_field("outcome", "Choose won or lost.")
    note = _text(note, field="note", max_length=NOTE_MAX_LENGTH, required=False)
    _check_staff(
        staff_user, RESOLVE_PERMISSION, "Only credit officers decide disputes."
    )
    account, locked = _lock(dispute)
    if locked.status == outcome:
        return _refresh(dispute, locked)
    if locked.status != Dispute.Status.SUBMITTED:
        message = (
            "Submit the dispute to the network first."
            if locked.status == Dispute.Status.FILED
            else f"This dispute is already {locked.status}."
        )
        raise Conflict(message, fields={"status": [f"The dispute is {locked.status}."]})
    _not_before_filing(locked, now)
    if outcome == Dispute.Status.WON:
        entry = entry_post(
            legs=[
                debit(
                    program_account(MERCHANT_SETTLEMENT, locked.currency), locked.amount
                ),
                credit(
                    program_account(DISPUTE_SUSPENSE, locked.currency), locked.amount
                ),
            ],
            kind="dispute_won",
            idempotency_key=f"dispute:{locked.public_id}:won",
            effective_at=now,
            description=f"Dispute won: {_merchant(locked.capture)}"[:255],
            external_ref=str(locked.public_id),
        )
    else:
        entry = _reversal_post(account, locked, now=now, label="Dispute lost")
    _close(locked, status=outcome, entry=entry, note=note, user=staff_user, now=now)
    _publish(locked, "dispute.resolved", account=account)
    return _refresh(dispute, locked)


@atomic_with_retry
def dispute_withdraw(
    *,
    dispute: Dispute,
    note: str = "",
    cardholder_user: User | None = None,
    staff_user: User | None = None,
    now: datetime.datetime | None = None,
) -> Dispute:
    """Withdraw an open dispute at the cardholder's request; take the credit back.

    Withdrawing again changes nothing; a decided dispute cannot be withdrawn.
    """
    now = _aware(now)
    note = _text(note, field="note", max_length=NOTE_MAX_LENGTH, required=False)
    _check_staff(
        staff_user, SUBMIT_PERMISSION, "Only support agents withdraw disputes."
    )
    account, locked = _lock(dispute)
    if (
        cardholder_user is not None
        and not Cardholder.objects.filter(
            pk=account.cardholder_id, user=cardholder_user
        ).exists()
    ):
        raise Forbidden("Only the account's cardholder may withdraw its disputes.")
    if locked.status == Dispute.Status.WITHDRAWN:
        return _refresh(dispute, locked)
    if not locked.is_open:
        raise Conflict(
            f"This dispute is already {locked.status}.",
            fields={"status": [f"The dispute is {locked.status}."]},
        )
    _not_before_filing(locked, now)
    entry = _reversal_post(account, locked, now=now, label="Dispute withdrawn")
    _close(
        locked,
        status=Dispute.Status.WITHDRAWN,
        entry=entry,
        note=note,
        user=staff_user or cardholder_user,
        now=now,
    )
    _publish(locked, "dispute.resolved", account=account)
    return _refresh(dispute, locked)


def _reversal_post(
    account: CreditAccount, dispute: Dispute, *, now: datetime.datetime, label: str
) -> JournalEntry:
    """Take the provisional credit back; forced when it passes the limit.

    The account is locked, so the available credit read here is the one the
    ledger's bound would check.
    """
    available = credit_account_balance(account=account).available
    forced = dispute.amount > available
    if forced:
        logger.info(
            "dispute %s reversal of %d passes the limit of account %s; forced",
            dispute.public_id,
            dispute.amount,
            account.public_id,
        )
    return entry_post(
        legs=[
            debit(account.receivable, dispute.amount),
            credit(program_account(DISPUTE_SUSPENSE, dispute.currency), dispute.amount),
        ],
        kind="dispute_reversal",
        idempotency_key=f"dispute:{dispute.public_id}:reversal",
        effective_at=now,
        description=f"{label}: {_merchant(dispute.capture)}"[:255],
        external_ref=str(dispute.public_id),
        forced=forced,
    )


def _close(
    dispute: Dispute,
    *,
    status: str,
    entry: JournalEntry,
    note: str,
    user: User | None,
    now: datetime.datetime,
) -> None:
    dispute.status = status
    dispute.open_capture = None
    dispute.resolution_entry = entry
    dispute.resolution_note = note
    dispute.resolved_by = user
    dispute.resolved_at = now
    dispute.save(
        update_fields=[
            "status",
            "open_capture",
            "resolution_entry",
            "resolution_note",
            "resolved_by",
            "resolved_at",
        ]
    )
