"""The audit trail: what `audit_record` stores, and that nothing changes it."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, transaction
from django.db.models.deletion import ProtectedError
from django.test import RequestFactory

from accounts.models import User
from accounts.roles import FRAUD_SUPERVISOR, PROGRAM_ADMIN, SUPPORT_AGENT
from accounts.tests.staff_auth import staff_login
from issuer.kernel.audit import REDACTED, audit_record, is_secret_field
from issuer.kernel.models import AuditEvent, AuditTrailIsAppendOnly

pytestmark = pytest.mark.django_db

PAN = "4111111111111111"


@pytest.fixture
def user(db: None) -> User:
    return User.objects.create_user(username="casey", password="x" * 12)


def _request(user: User | None = None):  # type: ignore[no-untyped-def]
    request = RequestFactory().get(
        "/portal/cards/", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Browser/2"
    )
    if user is not None:
        request.user = user
    return request


def test_an_event_records_who_what_when_where_and_outcome(user):
    event = audit_record(
        action=AuditEvent.Action.ADMIN_CHANGE,
        request=_request(user),
        target=user,
        details={"fields": {"email": {"old": "", "new": "c@x.test"}}},
    )

    stored = AuditEvent.objects.get()
    assert stored == event
    assert (stored.actor, stored.actor_username) == (user, "casey")
    assert (stored.action, stored.outcome) == ("admin_change", "succeeded")
    assert (stored.target_type, stored.target_id, stored.target_repr) == (
        "accounts.user",
        str(user.pk),
        "casey",
    )
    assert (stored.ip_address, stored.user_agent) == ("203.0.113.9", "Browser/2")
    assert stored.details == {"fields": {"email": {"old": "", "new": "c@x.test"}}}
    assert stored.occurred_at is not None


def test_the_actor_username_is_kept_when_the_user_is_renamed(user):
    audit_record(action=AuditEvent.Action.LOGGED_OUT, actor=user)

    User.objects.filter(pk=user.pk).update(username="casey2")

    assert AuditEvent.objects.get().actor_username == "casey"


def test_a_user_with_an_audit_trail_cannot_be_deleted(user):
    """Deactivate staff instead: their trail keeps pointing at them."""
    audit_record(action=AuditEvent.Action.LOGGED_OUT, actor=user)

    with pytest.raises(ProtectedError):
        user.delete()
    assert User.objects.filter(pk=user.pk).exists()


def test_card_numbers_and_secrets_never_enter_the_trail(user):
    event = audit_record(
        action=AuditEvent.Action.ADMIN_CHANGE,
        actor=user,
        target_type="cards.card",
        target_id="7",
        target_repr=f"card {PAN}",
        details={
            "note": f"customer read out {PAN} on the phone",
            "fields": {
                "password": {"old": "md5$abc", "new": "md5$def"},
                "pan_ciphertext": {"old": "x", "new": "y"},
                "pan_length": {"old": 16, "new": 19},
                "api_key": "k-123",
            },
            "list": [PAN],
        },
    )

    assert event.target_repr == "card [card ****1111]"
    assert event.details == {
        "note": "customer read out [card ****1111] on the phone",
        "fields": {
            "password": {"old": REDACTED, "new": REDACTED},
            "pan_ciphertext": {"old": REDACTED, "new": REDACTED},
            "pan_length": {"old": 16, "new": 19},
            "api_key": REDACTED,
        },
        "list": ["[card ****1111]"],
    }


def test_any_value_a_model_field_holds_can_be_recorded(user):
    event = audit_record(
        action=AuditEvent.Action.ADMIN_CHANGE,
        actor=user,
        details={
            "blob": memoryview(b"\x00\x01\x02"),
            "amount": Decimal("12.34"),
            "on": date(2026, 1, 5),
            "other": complex(1, 2),
        },
    )

    assert event.details == {
        "blob": "<3 bytes>",
        "amount": "12.34",
        "on": "2026-01-05",
        "other": "(1+2j)",
    }


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("password", True),
        ("password2", True),
        ("hashed_password", True),
        ("pan", True),
        ("pan_ciphertext", True),
        ("pan_key_id", True),
        ("pan_fingerprint", True),
        ("cvv", True),
        ("otp_token", True),
        ("pan_length", False),
        ("email", False),
        ("is_staff", False),
    ],
)
def test_which_field_names_are_secret(name, secret):
    assert is_secret_field(name) is secret


def test_a_pan_reveal_is_recorded_with_the_card_and_never_its_number(user, issue_card):
    """The cardholder portal records each reveal; even a careless caller
    passing the number in the details leaves only its last four."""
    issued = issue_card().issued

    event = audit_record(
        action=AuditEvent.Action.PAN_REVEAL,
        request=_request(user),
        target=issued.card,
        details={"reauthenticated": True, "shown": issued.pan},
    )

    assert (event.action, event.actor, event.outcome) == (
        "pan_reveal",
        user,
        "succeeded",
    )
    assert (event.target_type, event.target_id) == ("cards.card", str(issued.card.pk))
    assert event.details == {
        "reauthenticated": True,
        "shown": f"[card ****{issued.card.last_four}]",
    }
    stored = AuditEvent.objects.filter(pk=event.pk).values().get()
    assert issued.pan not in str(stored)


def test_a_refused_reveal_is_recorded_as_denied(user, issue_card):
    card = issue_card().issued.card

    audit_record(
        action=AuditEvent.Action.PAN_REVEAL,
        outcome=AuditEvent.Outcome.DENIED,
        request=_request(user),
        target=card,
        details={"reason": "reauthentication failed"},
    )

    assert AuditEvent.objects.get().outcome == "denied"


def test_events_cannot_be_changed_or_deleted_through_the_orm(user):
    event = audit_record(action=AuditEvent.Action.LOGGED_OUT, actor=user)
    event.outcome = AuditEvent.Outcome.FAILED

    refusals = [
        event.save,
        event.delete,
        lambda: AuditEvent.objects.filter(pk=event.pk).update(outcome="failed"),
        lambda: AuditEvent.objects.all().delete(),
        lambda: AuditEvent.objects.bulk_update([event], ["outcome"]),
    ]
    for refused in refusals:
        with pytest.raises(AuditTrailIsAppendOnly):
            refused()

    assert AuditEvent.objects.values_list("outcome", flat=True).get() == "succeeded"


@pytest.mark.mysql_only
def test_the_database_refuses_update_and_delete_of_events(user):
    """Raw SQL, around the ORM: MariaDB's triggers refuse both."""
    event = audit_record(action=AuditEvent.Action.LOGGED_OUT, actor=user)

    for statement in (
        "UPDATE kernel_auditevent SET outcome = 'failed' WHERE id = %s",
        "DELETE FROM kernel_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [event.pk])

    assert AuditEvent.objects.values_list("outcome", flat=True).get() == "succeeded"


@pytest.mark.mysql_only
def test_only_a_declared_purge_may_delete_events(user):
    """A DBA's retention purge (and `flush`) sets the purge flag first."""
    audit_record(action=AuditEvent.Action.LOGGED_OUT, actor=user)

    with connection.cursor() as cursor:
        cursor.execute("SET @kernel_auditevent_purge = 1")
        try:
            cursor.execute("DELETE FROM kernel_auditevent")
        finally:
            cursor.execute("SET @kernel_auditevent_purge = NULL")

    assert not AuditEvent.objects.exists()


def _staff(username: str, role: str) -> User:
    user = User.objects.create_user(username=username, password="x" * 12, is_staff=True)
    user.groups.set([Group.objects.get(name=role)])
    return user


def test_the_trail_is_read_only_in_admin_even_for_superusers(admin_client, admin_user):
    event = audit_record(action=AuditEvent.Action.LOGGED_OUT, actor=admin_user)
    url = f"/admin/kernel/auditevent/{event.pk}/change/"

    page = admin_client.get(url)
    changed = admin_client.post(url, {"outcome": "failed"})
    deleted = admin_client.post(
        f"/admin/kernel/auditevent/{event.pk}/delete/", {"post": "yes"}
    )
    added = admin_client.get("/admin/kernel/auditevent/add/")

    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert (changed.status_code, deleted.status_code, added.status_code) == (
        403,
        403,
        403,
    )
    assert AuditEvent.objects.filter(pk=event.pk, outcome="succeeded").exists()


def test_the_trail_is_searchable_and_filterable_in_admin(admin_client, user):
    audit_record(
        action=AuditEvent.Action.LOGIN_FAILED,
        outcome=AuditEvent.Outcome.FAILED,
        actor_username="mallory",
        request=_request(),
    )
    audit_record(action=AuditEvent.Action.LOGGED_OUT, actor=user)

    by_name = admin_client.get("/admin/kernel/auditevent/", {"q": "mallory"})
    by_ip = admin_client.get("/admin/kernel/auditevent/", {"q": "203.0.113.9"})
    by_action = admin_client.get(
        "/admin/kernel/auditevent/", {"action__exact": "logged_out"}
    )
    by_outcome = admin_client.get(
        "/admin/kernel/auditevent/", {"outcome__exact": "failed"}
    )

    assert by_name.context["cl"].result_count == 1
    assert by_ip.context["cl"].result_count == 1
    assert [e.actor_username for e in by_action.context["cl"].result_list] == ["casey"]
    assert [e.actor_username for e in by_outcome.context["cl"].result_list] == [
        "mallory"
    ]


@pytest.mark.parametrize(
    ("role", "status"),
    [(PROGRAM_ADMIN, 200), (FRAUD_SUPERVISOR, 200), (SUPPORT_AGENT, 403)],
)
def test_program_admins_and_supervisors_read_the_trail(client, role, status):
    staff_login(client, _staff("reader", role))

    assert client.get("/admin/kernel/auditevent/").status_code == status
