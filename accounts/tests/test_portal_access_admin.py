"""Support agents issue a portal activation code from the cardholder admin;
the code is shown once, works for sign-up, and never enters the audit trail."""

import re

import pytest

from accounts.models import Cardholder, PortalActivationCode, User
from accounts.roles import FRAUD_ANALYST, SUPPORT_AGENT
from accounts.services.portal_access import activation_code_hash, portal_signup
from accounts.tests.factories import CardholderFactory
from issuer.kernel.models import AuditEvent

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/cardholder/"
ACTION = "issue_portal_activation_code"
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def _issue(client, *cardholders):
    return client.post(
        CHANGELIST,
        {"action": ACTION, "_selected_action": [c.pk for c in cardholders]},
        follow=True,
    )


def test_a_support_agent_is_shown_a_working_code_once(make_staff, staff_client):
    holder = CardholderFactory.create(first_name="Rosa", last_name="Diaz")
    agent = make_staff("agent-bo", SUPPORT_AGENT)
    client = staff_client(agent)

    response = _issue(client, holder)

    page = response.content.decode()
    codes = CODE.findall(page)
    assert response.status_code == 200
    assert len(codes) == 1
    record = PortalActivationCode.objects.get(cardholder=holder)
    assert record.issued_by == agent
    assert record.code_hash == activation_code_hash(codes[0])
    assert f"Portal activation code for Rosa Diaz: {codes[0]}" in page
    assert "Issued a portal activation code for Rosa Diaz." in page
    assert CODE.findall(client.get(CHANGELIST).content.decode()) == []
    user = portal_signup(
        code=codes[0], username="rosa", password="violet-harbour-lantern-42"
    )
    assert Cardholder.objects.get(pk=holder.pk).user == user


def test_the_audit_event_records_the_issue_but_not_the_code(make_staff, staff_client):
    holder = CardholderFactory.create(first_name="Rosa", last_name="Diaz")
    client = staff_client(make_staff("agent-cy", SUPPORT_AGENT))

    response = _issue(client, holder)

    code = CODE.findall(response.content.decode())[0]
    event = AuditEvent.objects.filter(action=AuditEvent.Action.ADMIN_ACTION).get()
    assert event.details["messages"] == [
        "Issued a portal activation code for Rosa Diaz."
    ]
    assert code not in str(AuditEvent.objects.values().get(pk=event.pk))
    assert code.replace("-", "") not in str(
        AuditEvent.objects.values().get(pk=event.pk)
    )


def test_a_cardholder_with_a_login_gets_no_code(make_staff, staff_client):
    holder = CardholderFactory.create(first_name="Rosa", last_name="Diaz")
    other = CardholderFactory.create(first_name="Tom", last_name="Hale")
    user = User.objects.create_user(username="rosa")
    Cardholder.objects.filter(pk=holder.pk).update(user=user)
    client = staff_client(make_staff("agent-di", SUPPORT_AGENT))

    response = _issue(client, holder, other)

    page = response.content.decode()
    assert "Rosa Diaz already has a portal login." in page
    assert len(CODE.findall(page)) == 1
    assert list(
        PortalActivationCode.objects.values_list("cardholder__last_name", flat=True)
    ) == ["Hale"]


def test_staff_without_the_permission_are_not_offered_the_action(
    make_staff, staff_client
):
    holder = CardholderFactory.create()
    client = staff_client(make_staff("analyst-ed", FRAUD_ANALYST))

    listing = client.get(CHANGELIST).content.decode()
    _issue(client, holder)

    assert client.get(CHANGELIST).status_code == 200
    assert ACTION not in listing
    assert PortalActivationCode.objects.count() == 0
