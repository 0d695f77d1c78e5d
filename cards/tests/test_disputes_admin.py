"""The dispute admin: list with deadlines, filters, search, evidence, and the
steps as actions that call the services, each behind its permission."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.roles import CREDIT_OFFICER, FRAUD_SUPERVISOR, SUPPORT_AGENT
from cards.models import Dispute
from cards.services.disputes import dispute_file, dispute_submit
from cards.tests.conftest import cleared_capture
from ledger.models import JournalEntry
from ledger.verification import ledger_breaches

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
URL = "/admin/cards/dispute/"
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def _dispute(test_card, **extra) -> Dispute:
    capture = cleared_capture(test_card, 4_000)
    return dispute_file(
        capture=capture,
        amount=4_000,
        reason=extra.pop("reason", "wrong_amount"),
        description="Charged 40.00 instead of 4.00.",
        now=capture.created_at,
        **extra,
    )


def _act(client, action: str, disputes, **fields):
    selection = {"action": action, "_selected_action": [d.pk for d in disputes]}
    client.post(URL, selection)
    return client.post(URL, {**selection, "apply": "1", **fields})


def test_the_list_shows_masked_cards_and_highlights_overdue_deadlines(
    test_card, make_staff, staff_client
):
    """A dispute filed 40 days ago and not submitted is past its submission
    deadline (30 days) but not its decision deadline (90 days)."""
    overdue = _dispute(test_card)
    Dispute.objects.filter(pk=overdue.pk).update(
        filed_at=timezone.now() - 40 * DAY,
        submission_due_at=timezone.now() - 10 * DAY,
        decision_due_at=timezone.now() + 50 * DAY,
    )
    fresh = _dispute(test_card)
    client = staff_client(make_staff("sam", SUPPORT_AGENT))

    page = client.get(URL).content.decode()
    only_overdue = client.get(URL, {"overdue": "yes"}).content.decode()

    masked = f"•••• {test_card.issued.pan[-4:]}"
    assert masked in page
    assert test_card.issued.pan not in page
    assert test_card.issued.pan[:6] not in page
    assert page.count("(overdue)") == 1
    assert str(overdue.public_id) in only_overdue
    assert str(fresh.public_id) not in only_overdue


def test_the_list_filters_searches_and_drills_by_date(
    test_card, make_staff, staff_client
):
    fraud = _dispute(test_card, reason="fraud")
    other = _dispute(test_card, reason="duplicate")
    dispute_submit(dispute=other)
    client = staff_client(make_staff("sam", SUPPORT_AGENT))
    filed = timezone.localtime(fraud.filed_at)

    by_reason = client.get(URL, {"reason__exact": "fraud"}).content.decode()
    by_status = client.get(URL, {"status__exact": "submitted"}).content.decode()
    by_search = client.get(URL, {"q": str(other.public_id)}).content.decode()
    by_day = client.get(
        URL,
        {
            "filed_at__year": filed.year,
            "filed_at__month": filed.month,
            "filed_at__day": filed.day,
        },
    )

    assert (str(fraud.public_id) in by_reason, str(other.public_id) in by_reason) == (
        True,
        False,
    )
    assert (str(fraud.public_id) in by_status, str(other.public_id) in by_status) == (
        False,
        True,
    )
    assert (str(fraud.public_id) in by_search, str(other.public_id) in by_search) == (
        False,
        True,
    )
    assert by_day.status_code == 200
    assert str(fraud.public_id) in by_day.content.decode()


def test_support_submits_and_a_credit_officer_cannot(
    test_card, make_staff, staff_client
):
    dispute = _dispute(test_card)
    officer = staff_client(make_staff("olga", CREDIT_OFFICER))
    support_user = make_staff("sam", SUPPORT_AGENT)

    _act(officer, "submit_disputes", [dispute])
    after_officer = Dispute.objects.get(pk=dispute.pk).status
    _act(staff_client(support_user), "submit_disputes", [dispute])

    submitted = Dispute.objects.get(pk=dispute.pk)
    assert after_officer == "filed"
    assert (submitted.status, submitted.submitted_by) == ("submitted", support_user)


def test_a_credit_officer_marks_lost_with_a_note_and_the_credit_is_reversed(
    test_card, make_staff, staff_client
):
    dispute = _dispute(test_card)
    dispute_submit(dispute=dispute)
    officer_user = make_staff("olga", CREDIT_OFFICER)
    officer = staff_client(officer_user)

    without_note = _act(officer, "mark_lost", [dispute], note="")
    unchanged = Dispute.objects.get(pk=dispute.pk).status
    _act(officer, "mark_lost", [dispute], note="Merchant proved delivery")

    lost = Dispute.objects.get(pk=dispute.pk)
    assert without_note.status_code == 200
    assert "This field is required." in without_note.content.decode()
    assert unchanged == "submitted"
    assert (lost.status, lost.resolved_by, lost.resolution_note) == (
        "lost",
        officer_user,
        "Merchant proved delivery",
    )
    assert lost.resolution_entry.kind == "dispute_reversal"
    assert list(ledger_breaches()) == []


def test_marking_won_twice_posts_once_and_lost_after_won_is_refused(
    test_card, make_staff, staff_client
):
    dispute = _dispute(test_card)
    dispute_submit(dispute=dispute)
    officer = staff_client(make_staff("olga", CREDIT_OFFICER))

    _act(officer, "mark_won", [dispute], note="Chargeback accepted")
    _act(officer, "mark_won", [dispute], note="Again")
    refused = _act(officer, "mark_lost", [dispute], note="Oops")

    won = Dispute.objects.get(pk=dispute.pk)
    assert (won.status, won.resolution_note) == ("won", "Chargeback accepted")
    assert JournalEntry.objects.filter(kind="dispute_won").count() == 1
    assert not JournalEntry.objects.filter(kind="dispute_reversal").exists()
    messages = [str(m) for m in refused.wsgi_request._messages]
    assert messages == [
        "0 dispute(s) marked lost.",
        f"{won}: This dispute is already won.",
    ]


def test_support_withdraws_at_the_cardholders_request(
    test_card, make_staff, staff_client
):
    dispute = _dispute(test_card)
    support_user = make_staff("sam", SUPPORT_AGENT)

    _act(staff_client(support_user), "withdraw_disputes", [dispute], note="Found it")

    withdrawn = Dispute.objects.get(pk=dispute.pk)
    assert (withdrawn.status, withdrawn.resolved_by, withdrawn.resolution_note) == (
        "withdrawn",
        support_user,
        "Found it",
    )


def test_the_detail_page_shows_the_dispute_and_links_its_evidence(
    test_card, make_staff, staff_client, media_root
):
    dispute = _dispute(test_card, evidence=ContentFile(PDF, name="invoice scan.pdf"))
    support = staff_client(make_staff("sam", SUPPORT_AGENT))
    nobody = make_staff("nobody", SUPPORT_AGENT)
    nobody.groups.clear()

    page = support.get(f"{URL}{dispute.pk}/change/")
    download = support.get(f"{URL}{dispute.pk}/evidence/")
    refused = staff_client(nobody).get(f"{URL}{dispute.pk}/evidence/")

    html = page.content.decode()
    assert page.status_code == 200
    assert f"{URL}{dispute.pk}/evidence/" in html
    assert "invoice scan.pdf" in html
    assert "Charged 40.00 instead of 4.00." in html
    assert f"•••• {test_card.issued.pan[-4:]}" in html
    assert test_card.issued.pan not in html
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"] == (
        'attachment; filename="invoice scan.pdf"'
    )
    assert refused.status_code == 403


def test_a_fraud_supervisor_reads_but_takes_no_step(
    test_card, make_staff, staff_client
):
    dispute = _dispute(test_card)
    supervisor = staff_client(make_staff("sue", FRAUD_SUPERVISOR))

    listing = supervisor.get(URL)
    _act(supervisor, "submit_disputes", [dispute])
    _act(supervisor, "withdraw_disputes", [dispute], note="no")

    assert listing.status_code == 200
    assert 'value="submit_disputes"' not in listing.content.decode()
    assert Dispute.objects.get(pk=dispute.pk).status == "filed"


def test_seed_demo_files_disputes_at_each_step_once():
    from django.core.management import call_command

    call_command("seed_demo")
    call_command("seed_demo")

    assert sorted(Dispute.objects.values_list("reason", "status")) == [
        ("duplicate", "submitted"),
        ("fraud", "won"),
        ("not_received", "filed"),
    ]
    assert all(d.filed_by is not None for d in Dispute.objects.all())
    assert list(ledger_breaches()) == []


def test_the_list_costs_the_same_queries_for_one_dispute_or_many(
    issue_card, make_staff, staff_client
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = staff_client(make_staff("sam", SUPPORT_AGENT))
    _dispute(issue_card())
    client.get(URL)  # warm the session and content types
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for _ in range(3):
        _dispute(issue_card())
    with CaptureQueriesContext(connection) as four:
        page = client.get(URL)

    assert page.content.decode().count("•••• ") == 4
    assert len(four.captured_queries) == len(one.captured_queries)
