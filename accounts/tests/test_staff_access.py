"""Nobody raises their own privileges: the service rules behind the admin
(accounts/services/staff.py), with the audit trail they leave."""

import pytest
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.roles import (
    ACCESS_ADMIN,
    CREDIT_OFFICER,
    FRAUD_ANALYST,
    PROGRAM_ADMIN,
    SUPPORT_AGENT,
)
from accounts.services.staff import (
    staff_password_reset,
    staff_roles_set,
    staff_second_factor_reset,
)
from accounts.tests.staff_auth import staff_device
from issuer.kernel.errors import Forbidden
from issuer.kernel.models import AuditEvent

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-fresh-staff-passphrase-77"


def _staff(username: str, *roles: str, superuser: bool = False) -> User:
    user = User.objects.create_user(
        username=username, is_staff=True, is_superuser=superuser
    )
    user.groups.set(Group.objects.filter(name__in=roles))
    return user


def _roles(user: User) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def test_a_superuser_grants_program_admin_and_it_is_audited():
    root = _staff("root", superuser=True)
    member = _staff("member", SUPPORT_AGENT)

    staff_roles_set(actor=root, user=member, roles=[SUPPORT_AGENT, PROGRAM_ADMIN])

    assert _roles(member) == {SUPPORT_AGENT, PROGRAM_ADMIN}
    event = AuditEvent.objects.get(action=AuditEvent.Action.PERMISSION_CHANGE)
    assert (event.actor, event.outcome, event.target_id, event.details) == (
        root,
        AuditEvent.Outcome.SUCCEEDED,
        str(member.pk),
        {"before": [SUPPORT_AGENT], "after": [PROGRAM_ADMIN, SUPPORT_AGENT]},
    )


@pytest.mark.parametrize("superuser", [False, True])
def test_nobody_changes_their_own_roles(superuser):
    """Not a program admin, not even a superuser: refused, audited, unchanged."""
    actor = _staff("self", PROGRAM_ADMIN, superuser=superuser)

    with pytest.raises(Forbidden):
        staff_roles_set(actor=actor, user=actor, roles=[PROGRAM_ADMIN, ACCESS_ADMIN])

    assert _roles(actor) == {PROGRAM_ADMIN}
    event = AuditEvent.objects.get(action=AuditEvent.Action.PERMISSION_CHANGE)
    assert (event.outcome, event.details) == (
        AuditEvent.Outcome.DENIED,
        {"refused": "own roles"},
    )


@pytest.mark.parametrize("actor_role", [PROGRAM_ADMIN, ACCESS_ADMIN])
@pytest.mark.parametrize(
    ("held", "wanted", "allowed"),
    [
        ([SUPPORT_AGENT], [SUPPORT_AGENT, CREDIT_OFFICER], True),
        ([FRAUD_ANALYST], [], True),
        ([SUPPORT_AGENT], [PROGRAM_ADMIN], False),
        ([SUPPORT_AGENT], [ACCESS_ADMIN], False),
        ([PROGRAM_ADMIN], [], False),
        ([ACCESS_ADMIN, SUPPORT_AGENT], [ACCESS_ADMIN], False),
    ],
)
def test_staff_give_and_take_only_the_lower_roles(actor_role, held, wanted, allowed):
    actor = _staff("actor", actor_role)
    member = _staff("member", *held)

    if allowed:
        staff_roles_set(actor=actor, user=member, roles=wanted)
    else:
        with pytest.raises(Forbidden):
            staff_roles_set(actor=actor, user=member, roles=wanted)

    assert _roles(member) == set(wanted if allowed else held)


def test_an_access_admin_resets_a_password_and_a_second_factor_audited():
    actor = _staff("access", ACCESS_ADMIN)
    member = _staff("member", FRAUD_ANALYST)
    staff_device(member)

    staff_password_reset(actor=actor, user=member, password=NEW_PASSWORD)
    removed = staff_second_factor_reset(actor=actor, user=member)

    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert removed == 1
    assert not TOTPDevice.objects.filter(user=member).exists()
    events = AuditEvent.objects.filter(target_id=str(member.pk)).order_by("pk")
    assert [(e.action, e.actor, e.details) for e in events] == [
        (AuditEvent.Action.PASSWORD_CHANGE, actor, {"reset_by_staff": True}),
        (
            AuditEvent.Action.PERMISSION_CHANGE,
            actor,
            {"second_factor_reset": True, "devices_removed": 1},
        ),
    ]


@pytest.mark.parametrize(
    ("actor_role", "member_role", "member_is_staff"),
    [
        (PROGRAM_ADMIN, FRAUD_ANALYST, True),  # not their role's job
        (ACCESS_ADMIN, PROGRAM_ADMIN, True),  # a higher role
        (ACCESS_ADMIN, ACCESS_ADMIN, True),  # a peer
        (ACCESS_ADMIN, None, False),  # a cardholder's portal login
    ],
)
def test_resets_are_refused_where_the_actor_may_not(
    actor_role, member_role, member_is_staff
):
    actor = _staff("actor", actor_role)
    member = _staff("member", *([member_role] if member_role else []))
    User.objects.filter(pk=member.pk).update(is_staff=member_is_staff)
    member.refresh_from_db()
    staff_device(member)

    with pytest.raises(Forbidden):
        staff_password_reset(actor=actor, user=member, password=NEW_PASSWORD)
    with pytest.raises(Forbidden):
        staff_second_factor_reset(actor=actor, user=member)

    member.refresh_from_db()
    assert not member.check_password(NEW_PASSWORD)
    assert TOTPDevice.objects.filter(user=member).count() == 1
    assert (
        list(
            AuditEvent.objects.filter(target_id=str(member.pk)).values_list(
                "outcome", flat=True
            )
        )
        == [AuditEvent.Outcome.DENIED] * 2
    )


def test_own_access_fields_are_read_only_on_ones_own_admin_page(staff_client):
    """The admin page offers no role, flag or permission box on one's own
    account, for a program admin as for a superuser."""
    for actor in (_staff("padmin", PROGRAM_ADMIN), _staff("root", superuser=True)):
        page = staff_client(actor).get(f"/admin/accounts/user/{actor.pk}/change/")

        html = page.content.decode()
        assert page.status_code == 200
        assert 'name="groups"' not in html
        assert 'name="is_superuser"' not in html
        assert 'name="is_staff"' not in html


def test_a_member_with_permissions_of_their_own_is_a_superusers_to_reset():
    """Direct permissions (a superuser's grant, outside every role) are not
    what an access administrator could grant: no reset of that member."""
    from django.contrib.auth.models import Permission

    actor = _staff("actor", ACCESS_ADMIN)
    member = _staff("member", SUPPORT_AGENT)
    member.user_permissions.add(Permission.objects.get(codename="lift_card_block"))
    staff_device(member)

    with pytest.raises(Forbidden):
        staff_password_reset(actor=actor, user=member, password=NEW_PASSWORD)

    member.refresh_from_db()
    assert not member.check_password(NEW_PASSWORD)
