"""Disputes: filing within the window with a provisional credit, submission,
the network's decision and its postings, withdrawal, and refusals."""

import datetime
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db.models import Sum

from accounts.chart import DISPUTE_SUSPENSE, MERCHANT_SETTLEMENT, program_account
from accounts.models import Cardholder, User
from accounts.selectors import credit_account_balance
from cards.models import Authorization, Dispute
from cards.services.clearing import force_capture, refund_create
from cards.services.disputes import (
    dispute_disputable_amount,
    dispute_file,
    dispute_filing_deadline,
    dispute_resolve,
    dispute_submit,
    dispute_withdraw,
)
from cards.tests.conftest import cleared_capture
from issuer.kernel.errors import Conflict, Forbidden, InvalidInput
from issuer.kernel.models import OutboxEvent
from ledger.models import JournalEntry, Posting
from ledger.verification import ledger_breaches

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture
def capture(test_card):
    return cleared_capture(test_card, 10_000)


@pytest.fixture
def filed_at(capture):
    return capture.created_at + 3 * DAY


def _file(capture, now, amount=4_000, reason="not_received", **extra):
    return dispute_file(
        capture=capture,
        amount=amount,
        reason=reason,
        description="Ordered a lamp, never arrived.",
        now=now,
        **extra,
    )


def _balance(capture):
    return credit_account_balance(account=capture.card.account)


def _suspense_net(currency="USD") -> int:
    """Debits minus credits on the dispute suspense account."""
    account = program_account(DISPUTE_SUSPENSE, currency)
    postings = Posting.objects.filter(account=account)
    debits = postings.filter(side="D").aggregate(t=Sum("amount"))["t"] or 0
    credits = postings.filter(side="C").aggregate(t=Sum("amount"))["t"] or 0
    return debits - credits


def _ledger_verify_output() -> str:
    out = StringIO()
    call_command("ledger_verify", stdout=out)
    return out.getvalue()


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


# --- filing -----------------------------------------------------------------


def test_filing_posts_a_provisional_credit_and_sets_the_deadlines(
    capture, filed_at, settings
):
    settings.DISPUTE_SUBMISSION_DAYS = 30
    settings.DISPUTE_DECISION_DAYS = 90

    dispute = _file(capture, filed_at)

    assert (dispute.status, dispute.amount, dispute.currency) == ("filed", 4_000, "USD")
    assert dispute.filed_at == filed_at
    assert dispute.submission_due_at == filed_at + 30 * DAY
    assert dispute.decision_due_at == filed_at + 90 * DAY
    assert dispute.open_capture_id == capture.pk
    balance = _balance(capture)
    assert (balance.posted_balance, balance.available) == (6_000, 94_000)
    entry = dispute.provisional_credit_entry
    assert (entry.kind, entry.effective_at, entry.is_forced) == (
        "dispute_credit",
        filed_at,
        False,
    )
    legs = sorted(entry.postings.values_list("account__code", "side", "amount"))
    assert legs == [
        ("program:dispute_suspense:USD", "D", 4_000),
        (capture.card.account.receivable.code, "C", 4_000),
    ]
    event = OutboxEvent.objects.get(type="dispute.filed")
    assert event.aggregate_id == str(dispute.public_id)
    assert event.payload == {
        "dispute_id": str(dispute.public_id),
        "account_id": str(capture.card.account.public_id),
        "capture_id": str(capture.public_id),
        "authorization_id": str(capture.authorization.public_id),
        "card_id": str(capture.card.public_id),
        "amount": 4_000,
        "currency": "USD",
        "reason": "not_received",
        "status": "filed",
        "filed_at": filed_at.isoformat(),
        "submission_due_at": (filed_at + 30 * DAY).isoformat(),
        "decision_due_at": (filed_at + 90 * DAY).isoformat(),
    }
    assert list(ledger_breaches()) == []


def test_the_last_day_of_the_window_is_accepted_the_next_is_refused(capture, settings):
    settings.DISPUTE_FILING_DAYS = 60
    cleared_on = capture.created_at.astimezone(datetime.UTC).date()
    last_day = datetime.datetime.combine(
        cleared_on + 60 * DAY, datetime.time(23, 59, 59), tzinfo=datetime.UTC
    )

    with pytest.raises(InvalidInput) as refused:
        _file(capture, last_day + datetime.timedelta(seconds=1))
    dispute = _file(capture, last_day)

    assert dispute_filing_deadline(capture=capture) == cleared_on + 60 * DAY
    assert refused.value.fields == {
        "capture": [
            f"The filing window closed on {(cleared_on + 60 * DAY).isoformat()} "
            "(60 days after the transaction cleared)."
        ]
    }
    assert Dispute.objects.get() == dispute


def test_filing_before_the_transaction_cleared_is_refused(capture):
    with pytest.raises(InvalidInput) as refused:
        _file(capture, capture.created_at - DAY)

    assert set(refused.value.fields) == {"now"}
    assert not Dispute.objects.exists()


def test_the_whole_capture_may_be_disputed_but_not_a_cent_more(capture, filed_at):
    with pytest.raises(InvalidInput) as refused:
        _file(capture, filed_at, amount=10_001)
    dispute = _file(capture, filed_at, amount=10_000)

    assert refused.value.fields == {
        "amount": ["At most 10000 USD of this transaction can be disputed."]
    }
    assert dispute.amount == 10_000
    assert _balance(capture).posted_balance == 0


def test_refunds_and_earlier_disputes_reduce_what_may_be_disputed(capture, filed_at):
    refund_create(
        card=capture.card,
        amount=2_500,
        currency="USD",
        partner=None,
        authorization=capture.authorization,
    )
    first = _file(capture, filed_at, amount=3_000)
    dispute_submit(dispute=first, now=filed_at)
    dispute_resolve(dispute=first, outcome="lost", now=filed_at + DAY)

    left = dispute_disputable_amount(capture=capture)
    with pytest.raises(InvalidInput) as refused:
        _file(capture, filed_at + 2 * DAY, amount=4_501)

    assert left == 10_000 - 2_500 - 3_000
    assert refused.value.fields == {
        "amount": ["At most 4500 USD of this transaction can be disputed."]
    }


def test_a_refund_cannot_credit_again_what_a_dispute_credited(capture, filed_at):
    """Open or won disputes count against refunds; lost ones give room back."""
    won = _file(capture, filed_at, amount=6_000)
    dispute_submit(dispute=won, now=filed_at)
    dispute_resolve(dispute=won, outcome="won", now=filed_at + DAY)
    before = _balance(capture).posted_balance

    with pytest.raises(InvalidInput) as refused:
        refund_create(
            card=capture.card,
            amount=4_001,
            currency="USD",
            partner=None,
            authorization=capture.authorization,
        )
    refund_create(
        card=capture.card,
        amount=4_000,
        currency="USD",
        partner=None,
        authorization=capture.authorization,
    )

    assert refused.value.fields == {
        "amount": ["Only 4000 of this authorization can be refunded."]
    }
    assert _balance(capture).posted_balance == before - 4_000
    assert list(ledger_breaches()) == []


def test_a_withdrawn_dispute_frees_its_amount(capture, filed_at):
    first = _file(capture, filed_at, amount=10_000)
    dispute_withdraw(dispute=first, now=filed_at + DAY)

    second = _file(capture, filed_at + 2 * DAY, amount=10_000)

    assert second.amount == 10_000
    assert list(ledger_breaches()) == []


def test_a_second_open_dispute_of_one_capture_is_a_conflict(capture, filed_at):
    _file(capture, filed_at, amount=1_000)

    with pytest.raises(Conflict) as refused:
        _file(capture, filed_at, amount=1_000)

    assert set(refused.value.fields) == {"capture"}
    assert Dispute.objects.count() == 1
    assert JournalEntry.objects.filter(kind="dispute_credit").count() == 1


def test_the_database_holds_one_open_dispute_per_capture(capture, filed_at):
    """Going around the service: a second open row is refused by the database."""
    from django.db import IntegrityError, transaction

    first = _file(capture, filed_at, amount=1_000)
    dispute_withdraw(dispute=first, now=filed_at)
    again = _file(capture, filed_at, amount=1_000)

    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.filter(pk=first.pk).update(
            status="filed",
            open_capture=capture,
            resolved_at=None,
            resolution_entry=None,
        )
    assert Dispute.objects.get(pk=again.pk).open_capture_id == capture.pk


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": -5}, "amount"),
        ({"amount": 10.5}, "amount"),
        ({"reason": "bored"}, "reason"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 2_001}, "description"),
        ({"now": datetime.datetime(2030, 1, 1)}, "now"),
        ({"evidence": ContentFile(b"hello", name="note.txt")}, "evidence"),
        ({"evidence": ContentFile(b"", name="empty.pdf")}, "evidence"),
        ({"evidence": ContentFile(PDF)}, "evidence"),  # no file name
        ({"evidence": ContentFile(b"\x89PNG\r\n\x1a\nxx", name="a.pdf")}, "evidence"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    capture, filed_at, media_root, changes, field
):
    arguments = {
        "capture": capture,
        "amount": 1_000,
        "reason": "fraud",
        "description": "Not me.",
        "now": filed_at,
    } | changes

    with pytest.raises(InvalidInput) as refused:
        dispute_file(**arguments)

    assert set(refused.value.fields) == {field}
    assert not Dispute.objects.exists()
    assert not JournalEntry.objects.filter(kind="dispute_credit").exists()
    assert not OutboxEvent.objects.filter(type="dispute.filed").exists()
    assert not (media_root / "disputes").exists() or not any(
        (media_root / "disputes").iterdir()
    )


def test_evidence_larger_than_the_limit_is_refused(
    capture, filed_at, media_root, settings
):
    settings.DISPUTE_EVIDENCE_MAX_BYTES = len(PDF) - 1

    with pytest.raises(InvalidInput) as refused:
        _file(capture, filed_at, evidence=ContentFile(PDF, name="receipt.pdf"))

    assert refused.value.fields == {
        "evidence": [
            f"The file is {len(PDF)} bytes; at most {len(PDF) - 1} are accepted."
        ]
    }
    assert not Dispute.objects.exists()


def test_evidence_is_stored_under_media_disputes(capture, filed_at, media_root):
    dispute = _file(capture, filed_at, evidence=ContentFile(PDF, name="Receipt.PDF"))

    assert dispute.evidence.name == f"disputes/{dispute.public_id}.pdf"
    assert dispute.evidence_name == "Receipt.PDF"
    assert (media_root / "disputes" / f"{dispute.public_id}.pdf").read_bytes() == PDF


def test_a_refused_filing_deletes_the_evidence_it_stored(capture, filed_at, media_root):
    with pytest.raises(InvalidInput):
        _file(
            capture,
            filed_at,
            amount=10_001,
            evidence=ContentFile(PDF, name="receipt.pdf"),
        )

    assert list((media_root / "disputes").iterdir()) == []
    assert not Dispute.objects.exists()


def test_only_the_cardholder_may_file_through_the_portal(capture, filed_at):
    owner = User.objects.create_user(username="owner")
    stranger = User.objects.create_user(username="stranger")
    Cardholder.objects.filter(pk=capture.card.account.cardholder_id).update(user=owner)

    with pytest.raises(Forbidden):
        _file(capture, filed_at, cardholder_user=stranger)
    dispute = _file(capture, filed_at, cardholder_user=owner)

    assert dispute.filed_by == owner
    assert Dispute.objects.count() == 1


def test_a_capture_without_authorization_may_be_disputed(test_card, filed_at):
    capture = force_capture(
        card=test_card.issued.card,
        amount=2_000,
        currency="USD",
        merchant_id="m-9",
        merchant_name="Forced",
        partner=None,
    )

    dispute = _file(capture, capture.created_at + DAY, amount=2_000, reason="fraud")

    assert dispute.amount == 2_000
    assert (
        OutboxEvent.objects.get(type="dispute.filed").payload["authorization_id"]
        is None
    )


# --- submission and decision --------------------------------------------------


def test_submitting_records_when_and_is_idempotent(capture, filed_at):
    dispute = _file(capture, filed_at)

    submitted = dispute_submit(dispute=dispute, now=filed_at + DAY)
    again = dispute_submit(dispute=dispute, now=filed_at + 2 * DAY)

    assert (submitted.status, submitted.submitted_at) == ("submitted", filed_at + DAY)
    assert again.submitted_at == filed_at + DAY
    assert OutboxEvent.objects.filter(type="dispute.submitted").count() == 1


def test_won_keeps_the_credit_and_recovers_it_from_the_merchant_side(capture, filed_at):
    dispute = _file(capture, filed_at)
    dispute_submit(dispute=dispute, now=filed_at + DAY)
    settlement = program_account(MERCHANT_SETTLEMENT, "USD")
    settlement_debits = Posting.objects.filter(account=settlement, side="D").count()

    won = dispute_resolve(
        dispute=dispute,
        outcome="won",
        note="Merchant accepted",
        now=filed_at + 20 * DAY,
    )

    assert (won.status, won.resolved_at, won.resolution_note) == (
        "won",
        filed_at + 20 * DAY,
        "Merchant accepted",
    )
    assert won.open_capture_id is None
    assert _balance(capture).posted_balance == 6_000
    entry = won.resolution_entry
    assert (entry.kind, entry.effective_at) == ("dispute_won", filed_at + 20 * DAY)
    assert sorted(entry.postings.values_list("account__code", "side", "amount")) == [
        ("program:dispute_suspense:USD", "C", 4_000),
        ("program:merchant_settlement:USD", "D", 4_000),
    ]
    assert (
        Posting.objects.filter(account=settlement, side="D").count()
        == settlement_debits + 1
    )
    assert _suspense_net() == 0
    event = OutboxEvent.objects.get(type="dispute.resolved")
    assert (event.payload["outcome"], event.payload["resolved_at"]) == (
        "won",
        (filed_at + 20 * DAY).isoformat(),
    )
    assert list(ledger_breaches()) == []
    assert _ledger_verify_output().startswith("OK")


def test_lost_takes_the_credit_back(capture, filed_at):
    dispute = _file(capture, filed_at)
    dispute_submit(dispute=dispute, now=filed_at + DAY)

    lost = dispute_resolve(dispute=dispute, outcome="lost", now=filed_at + 30 * DAY)

    assert lost.status == "lost"
    assert _balance(capture).posted_balance == 10_000
    entry = lost.resolution_entry
    assert (entry.kind, entry.is_forced) == ("dispute_reversal", False)
    assert sorted(entry.postings.values_list("account__code", "side", "amount")) == [
        ("program:dispute_suspense:USD", "C", 4_000),
        (capture.card.account.receivable.code, "D", 4_000),
    ]
    assert _suspense_net() == 0
    assert list(ledger_breaches()) == []
    assert _ledger_verify_output().startswith("OK")


def test_a_lost_reversal_posts_past_the_limit_as_forced(issue_card):
    """The credit freed room the cardholder spent; the reversal still posts."""
    test_card = issue_card(limit=10_000)
    capture = cleared_capture(test_card, 10_000)
    dispute = _file(capture, capture.created_at + DAY, amount=10_000)
    cleared_capture(test_card, 8_000)  # spends the provisional credit
    dispute_submit(dispute=dispute, now=capture.created_at + 2 * DAY)

    lost = dispute_resolve(
        dispute=dispute, outcome="lost", now=capture.created_at + 3 * DAY
    )

    balance = _balance(capture)
    assert (balance.posted_balance, balance.available) == (18_000, -8_000)
    assert lost.resolution_entry.is_forced is True
    assert list(ledger_breaches()) == []
    assert _ledger_verify_output().startswith("OK")


def test_a_second_decision_is_a_conflict_and_the_same_one_changes_nothing(
    capture, filed_at
):
    dispute = _file(capture, filed_at)
    dispute_submit(dispute=dispute, now=filed_at)
    dispute_resolve(dispute=dispute, outcome="won", now=filed_at + DAY)

    with pytest.raises(Conflict) as refused:
        dispute_resolve(dispute=dispute, outcome="lost", now=filed_at + 2 * DAY)
    repeated = dispute_resolve(dispute=dispute, outcome="won", now=filed_at + 3 * DAY)

    assert refused.value.fields == {"status": ["The dispute is won."]}
    assert (repeated.status, repeated.resolved_at) == ("won", filed_at + DAY)
    assert JournalEntry.objects.filter(kind="dispute_won").count() == 1
    assert not JournalEntry.objects.filter(kind="dispute_reversal").exists()
    assert OutboxEvent.objects.filter(type="dispute.resolved").count() == 1
    assert _balance(capture).posted_balance == 6_000


def test_a_filed_dispute_must_be_submitted_before_it_is_decided(capture, filed_at):
    dispute = _file(capture, filed_at)

    with pytest.raises(Conflict) as refused:
        dispute_resolve(dispute=dispute, outcome="won", now=filed_at)

    assert refused.value.message == "Submit the dispute to the network first."
    assert Dispute.objects.get(pk=dispute.pk).status == "filed"


def test_an_unknown_outcome_is_refused(capture, filed_at):
    dispute = _file(capture, filed_at)
    dispute_submit(dispute=dispute, now=filed_at)

    with pytest.raises(InvalidInput) as refused:
        dispute_resolve(dispute=dispute, outcome="withdrawn", now=filed_at)

    assert set(refused.value.fields) == {"outcome"}
    assert Dispute.objects.get(pk=dispute.pk).status == "submitted"


def test_withdrawing_takes_the_credit_back_once(capture, filed_at):
    dispute = _file(capture, filed_at)

    withdrawn = dispute_withdraw(
        dispute=dispute, note="Parcel turned up", now=filed_at + DAY
    )
    again = dispute_withdraw(dispute=dispute, now=filed_at + 2 * DAY)

    assert (withdrawn.status, withdrawn.resolution_note) == (
        "withdrawn",
        "Parcel turned up",
    )
    assert again.resolved_at == filed_at + DAY
    assert _balance(capture).posted_balance == 10_000
    assert JournalEntry.objects.filter(kind="dispute_reversal").count() == 1
    assert OutboxEvent.objects.get(type="dispute.resolved").payload["outcome"] == (
        "withdrawn"
    )
    assert list(ledger_breaches()) == []


def test_a_decided_dispute_cannot_be_withdrawn(capture, filed_at):
    dispute = _file(capture, filed_at)
    dispute_submit(dispute=dispute, now=filed_at)
    dispute_resolve(dispute=dispute, outcome="lost", now=filed_at)

    with pytest.raises(Conflict):
        dispute_withdraw(dispute=dispute, now=filed_at)

    assert Dispute.objects.get(pk=dispute.pk).status == "lost"


def test_staff_need_the_permission_for_each_step(capture, filed_at, make_staff):
    from accounts.roles import CREDIT_OFFICER, FRAUD_ANALYST, SUPPORT_AGENT

    support = make_staff("sam", SUPPORT_AGENT)
    officer = make_staff("olga", CREDIT_OFFICER)
    analyst = make_staff("andy", FRAUD_ANALYST)
    dispute = _file(capture, filed_at)

    with pytest.raises(Forbidden):
        dispute_submit(dispute=dispute, staff_user=officer, now=filed_at)
    dispute_submit(dispute=dispute, staff_user=support, now=filed_at)
    with pytest.raises(Forbidden):
        dispute_resolve(dispute=dispute, outcome="won", staff_user=support)
    with pytest.raises(Forbidden):
        dispute_resolve(dispute=dispute, outcome="won", staff_user=analyst)
    decided = dispute_resolve(
        dispute=dispute, outcome="won", staff_user=officer, now=filed_at + DAY
    )

    assert (decided.submitted_by, decided.resolved_by) == (support, officer)


def test_deadlines_show_which_one_an_open_dispute_passed(capture, filed_at):
    dispute = _file(capture, filed_at)
    late_to_submit = dispute.submission_due_at + datetime.timedelta(seconds=1)
    late_to_decide = dispute.decision_due_at + datetime.timedelta(seconds=1)

    before = dispute.overdue_deadline(now=dispute.submission_due_at)
    unsubmitted = dispute.overdue_deadline(now=late_to_submit)
    overdue = list(Dispute.objects.overdue(now=late_to_submit))
    dispute_submit(dispute=dispute, now=late_to_submit)
    submitted_in_time = dispute.overdue_deadline(now=late_to_submit)
    undecided = dispute.overdue_deadline(now=late_to_decide)
    overdue_later = list(Dispute.objects.overdue(now=late_to_decide))
    dispute_resolve(dispute=dispute, outcome="won", now=late_to_decide)

    assert (before, unsubmitted, submitted_in_time, undecided) == (
        "",
        "submission",
        "",
        "decision",
    )
    assert overdue == overdue_later == [dispute]
    assert dispute.overdue_deadline(now=late_to_decide) == ""
    assert not Dispute.objects.overdue(now=late_to_decide).exists()


def test_an_authorization_captured_twice_bounds_disputes_over_both(test_card):
    from cards.services.authorizations import authorization_create
    from cards.services.clearing import authorization_capture
    from cards.tests.conftest import authorization_request

    authorization = authorization_create(
        request=authorization_request(test_card, amount=10_000), partner=None
    )
    first = authorization_capture(authorization=authorization, amount=6_000)
    second = authorization_capture(authorization=authorization, amount=4_000)
    refund_create(
        card=first.card,
        amount=5_000,
        currency="USD",
        partner=None,
        authorization=authorization,
    )
    now = second.created_at + DAY

    _file(first, now, amount=4_000)

    assert Authorization.objects.get(pk=authorization.pk).refunded_amount == 5_000
    assert dispute_disputable_amount(capture=second) == 1_000
    assert dispute_disputable_amount(capture=first) == 1_000


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": 0},
        {"currency": "usd"},
        {"reason": "bored"},
        {"status": "won"},  # closed without its resolution
        {"status": "cancelled"},
        {"open_capture": None},  # open but not holding its capture
        {"status": "submitted"},  # without a submission time
        {"resolved_at": datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)},
    ],
)
def test_the_database_refuses_an_inconsistent_dispute(capture, filed_at, changes):
    from django.db import IntegrityError, transaction

    dispute = _file(capture, filed_at)

    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.filter(pk=dispute.pk).update(**changes)
    assert Dispute.objects.filter(pk=dispute.pk, status="filed").exists()


def test_the_database_refuses_deadlines_out_of_order(capture, filed_at):
    from django.db import IntegrityError, transaction

    dispute = _file(capture, filed_at)

    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.filter(pk=dispute.pk).update(
            decision_due_at=dispute.submission_due_at - DAY
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.filter(pk=dispute.pk).update(submission_due_at=filed_at - DAY)
