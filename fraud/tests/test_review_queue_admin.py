"""The review queue in the admin, end to end: list, claim, work, decide, bulk."""

import pytest
from django.urls import reverse

from cards.models import Capture, Card
from cards.services.clearing import authorization_capture
from fraud.models import (
    HistoricalTransaction,
    ReviewCase,
    ReviewCaseNote,
    ReviewCaseTransaction,
)
from fraud.services.live import authorization_score, live_transaction_id
from fraud.services.rules import rule_create
from fraud.tests.conftest import authorize

pytestmark = pytest.mark.django_db

HIGH, LOW = 4_500, 100
QUEUE = "/admin/fraud/reviewcase/"


def _case(card, amount=HIGH) -> ReviewCase:
    authorization = authorize(card, amount)
    authorization_score(authorization=authorization)
    return ReviewCase.objects.get(authorization=authorization)


def _label(authorization) -> bool | None:
    return HistoricalTransaction.objects.get(
        transaction_id=live_transaction_id(authorization)
    ).is_fraud


def _bulk(client, action, cases, **fields):
    """Choose a bulk action, then submit its form (the second page)."""
    selection = {"action": action, "_selected_action": [c.pk for c in cases]}
    first = client.post(QUEUE, selection)
    second = client.post(QUEUE, {**selection, "apply": "1", **fields})
    return first, second


def test_the_queue_lists_open_cases_with_counts_and_a_claim_button(
    active_model, issue_card, analyst, staff_client
):
    card = issue_card()
    first, second = _case(card), _case(card)
    ReviewCase.objects.filter(pk=second.pk).update(priority=1)

    page = staff_client(analyst).get(QUEUE)

    html = page.content.decode()
    assert page.status_code == 200
    assert html.index(str(second.public_id)[:8]) < html.index(str(first.public_id)[:8])
    assert "Open: <strong>2</strong>" in html
    assert 'id="claim-next"' in html
    assert card.issued.pan not in html


def test_claim_next_assigns_the_case_and_opens_it(
    active_model, test_card, analyst, staff_client
):
    case = _case(test_card)
    client = staff_client(analyst)

    claimed = client.post(reverse("admin:fraud_reviewcase_claim_next"))
    empty = client.post(reverse("admin:fraud_reviewcase_claim_next"))

    assert claimed.status_code == 302
    assert claimed["Location"] == reverse(
        "admin:fraud_reviewcase_change", args=[case.pk]
    )
    case.refresh_from_db()
    assert (case.status, case.assigned_to) == ("in_review", analyst)
    assert empty["Location"] == reverse("admin:fraud_reviewcase_changelist")


def test_a_case_page_shows_score_model_explanation_rules_and_timeline(
    active_model, test_card, analyst, staff_client, supervisor
):
    rule_create(
        name="Big spend",
        conditions=[{"feature": "amount", "operator": ">=", "threshold": 40}],
        action="flag",
        mode="shadow",
        created_by=supervisor,
    )
    earlier = authorize(test_card, LOW)
    case = _case(test_card)

    page = staff_client(analyst).get(
        reverse("admin:fraud_reviewcase_change", args=[case.pk])
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert f"{case.score.score:.3f}" in html
    assert str(active_model.public_id)[:8] in html
    assert "<td>amount</td><td>45</td>" in html
    assert "Big spend" in html
    assert "◀ this case" in html
    assert "<td>1.00</td>" in html  # the earlier transaction, on the card's timeline
    assert f'value="{earlier.pk}"' in html  # offered for attaching
    assert test_card.issued.pan not in html


def test_confirmed_fraud_from_the_case_page_labels_replaces_and_marks_captures(
    active_model, test_card, analyst, staff_client
):
    earlier = authorize(test_card, LOW)
    authorization_capture(authorization=earlier)
    case = _case(test_card)
    authorization_capture(authorization=case.authorization)
    url = reverse("admin:fraud_reviewcase_change", args=[case.pk])

    response = staff_client(analyst).post(
        url,
        {
            "note": "Cardholder is abroad; both look like the same skimmer.",
            "attach": [earlier.pk],
            "outcome": "confirmed_fraud",
            "outcome_reason": "Pattern of card testing",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    case.refresh_from_db()
    assert (case.status, case.outcome, case.outcome_reason) == (
        "closed",
        "confirmed_fraud",
        "Pattern of card testing",
    )
    assert case.assigned_to == analyst
    assert list(ReviewCaseNote.objects.values_list("body", flat=True)) == [
        "Cardholder is abroad; both look like the same skimmer."
    ]
    assert list(
        ReviewCaseTransaction.objects.values_list("authorization_id", flat=True)
    ) == [earlier.pk]
    assert (_label(case.authorization), _label(earlier)) == (True, True)
    card = Card.objects.get(pk=test_card.issued.card.pk)
    assert (card.status, card.status_reason) == ("closed", "compromised")
    assert card.replaced_by.status == "inactive"  # until the cardholder activates it
    assert Capture.objects.filter(fraud_dispute_marked_at__isnull=False).count() == 2


def test_an_outcome_without_a_reason_is_refused_and_changes_nothing(
    active_model, test_card, analyst, staff_client
):
    case = _case(test_card)
    url = reverse("admin:fraud_reviewcase_change", args=[case.pk])

    response = staff_client(analyst).post(
        url, {"note": "", "outcome": "legitimate", "outcome_reason": "  "}
    )

    assert response.status_code == 200
    assert "Say why you decide this outcome." in response.content.decode()
    case.refresh_from_db()
    assert (case.status, case.outcome, case.assigned_to) == ("open", "", None)
    assert _label(case.authorization) is None


def test_bulk_assign_then_bulk_close_as_legitimate_labels_every_case(
    active_model, issue_card, analyst, supervisor, staff_client
):
    card = issue_card()
    cases = [_case(card), _case(card)]

    asking, assigned = _bulk(
        staff_client(supervisor), "assign_cases", cases, analyst=analyst.pk
    )
    assert asking.status_code == 200
    assert "Assign to an analyst" in asking.content.decode()
    assert assigned.status_code == 302
    assert set(ReviewCase.objects.values_list("assigned_to", "status")) == {
        (analyst.pk, "in_review")
    }

    _, closed = _bulk(
        staff_client(analyst),
        "close_as_legitimate",
        cases,
        reason="Known traveller",
    )

    assert closed.status_code == 302
    assert set(
        ReviewCase.objects.values_list("status", "outcome", "outcome_reason")
    ) == {("closed", "legitimate", "Known traveller")}
    assert [_label(case.authorization) for case in cases] == [False, False]


def test_a_bulk_action_without_its_reason_asks_again_and_changes_nothing(
    active_model, test_card, analyst, staff_client
):
    case = _case(test_card)

    _, again = _bulk(staff_client(analyst), "close_as_legitimate", [case], reason="")

    assert again.status_code == 200
    assert "This field is required." in again.content.decode()
    case.refresh_from_db()
    assert case.status == "open"


def test_escalated_cases_wait_for_a_supervisor_who_can_reopen_a_verdict(
    active_model, test_card, analyst, supervisor, staff_client
):
    case = _case(test_card)
    analyst_client = staff_client(analyst)
    analyst_client.post(reverse("admin:fraud_reviewcase_claim_next"))

    _bulk(analyst_client, "escalate_cases", [case], reason="Large merchant, unsure")
    nothing_for_analyst = analyst_client.post(
        reverse("admin:fraud_reviewcase_claim_next")
    )
    supervisor_client = staff_client(supervisor)
    claimed = supervisor_client.post(reverse("admin:fraud_reviewcase_claim_next"))

    assert nothing_for_analyst["Location"] == reverse(
        "admin:fraud_reviewcase_changelist"
    )
    assert claimed["Location"] == reverse(
        "admin:fraud_reviewcase_change", args=[case.pk]
    )
    case.refresh_from_db()
    assert (case.is_escalated, case.priority, case.assigned_to) == (
        True,
        1,
        supervisor,
    )

    supervisor_client.post(
        reverse("admin:fraud_reviewcase_change", args=[case.pk]),
        {"outcome": "inconclusive", "outcome_reason": "Merchant will not answer"},
    )
    _, reopened = _bulk(
        supervisor_client, "reopen_cases", [case], reason="Merchant answered"
    )

    assert reopened.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.outcome, case.assigned_to) == ("open", "", None)
    assert list(case.notes.values_list("body", flat=True)) == [
        "Escalated: Large merchant, unsure",
        "Reopened (was Inconclusive (Merchant will not answer)): Merchant answered",
    ]


def test_an_analyst_cannot_work_a_case_another_analyst_holds(
    active_model, test_card, analyst, make_staff, staff_client
):
    from accounts.roles import FRAUD_ANALYST

    case = _case(test_card)
    ReviewCase.objects.filter(pk=case.pk).update(
        assigned_to=make_staff("bob", FRAUD_ANALYST), status="in_review"
    )
    url = reverse("admin:fraud_reviewcase_change", args=[case.pk])

    response = staff_client(analyst).post(
        url, {"outcome": "legitimate", "outcome_reason": "Mine now"}
    )

    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == "in_review"
