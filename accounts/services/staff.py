"""Staff users, their roles, and who may change whose access."""

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.roles import ROLES_GRANTABLE_BY_STAFF, STAFF_ROLES
from issuer.kernel.audit import audit_record
from issuer.kernel.errors import Forbidden, InvalidInput
from issuer.kernel.models import AuditEvent


def staff_user_ensure(
    *, username: str, password: str, role: str, email: str = ""
) -> tuple[User, bool]:
    """Create (or reset) a staff user holding exactly `role`; say if created.

    The password must pass AUTH_PASSWORD_VALIDATORS (12+ characters, not
    common, not all digits, not like the username or email).
    """
    if role not in STAFF_ROLES:
        raise InvalidInput.for_field("role", f"Choose one of {', '.join(STAFF_ROLES)}.")
    try:
        validate_password(password, User(username=username, email=email))
    except ValidationError as error:
        raise InvalidInput(
            " ".join(error.messages), fields={"password": list(error.messages)}
        ) from None
    user, created = User.objects.get_or_create(
        username=username, defaults={"email": email, "is_staff": True}
    )
    user.is_staff = True
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    return user, created


# Who may change whose access: the rules are in accounts/roles.py's docstring.


def staff_roles_grantable(*, actor: User) -> frozenset[str]:
    """The roles `actor` may give to, or take away from, another staff member."""
    if actor.is_superuser:
        return frozenset(STAFF_ROLES)
    if actor.has_perm("accounts.grant_staff_roles"):
        return frozenset(ROLES_GRANTABLE_BY_STAFF)
    return frozenset()


def _role_names(user: User) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def staff_may_manage(*, actor: User, user: User) -> bool:
    """Whether `actor` may change `user`'s account at all: never their own
    access, never a superuser's (unless a superuser), and only a member
    whose every role `actor` could have granted. Permissions given to the
    person directly (not through a role) are a superuser's to manage."""
    if actor.is_superuser:
        return True
    if user.pk == actor.pk or user.is_superuser:
        return False
    if user.user_permissions.exists():
        return False
    return _role_names(user) <= staff_roles_grantable(actor=actor)


def staff_credentials_may_reset(*, actor: User, user: User) -> bool:
    """Whether `actor` may reset `user`'s password or second factor."""
    if user.pk == actor.pk or not user.is_staff:
        # One's own: the password change page, with the old password.
        # Cardholders reset theirs by email from the portal, never by staff.
        return False
    if not (actor.is_superuser or actor.has_perm("accounts.reset_staff_credentials")):
        return False
    return staff_may_manage(actor=actor, user=user)


def _refuse(actor: User, user: User, what: str, request: HttpRequest | None) -> None:
    audit_record(
        action=AuditEvent.Action.PERMISSION_CHANGE,
        outcome=AuditEvent.Outcome.DENIED,
        actor=actor,
        request=request,
        target=user,
        details={"refused": what},
    )


def staff_roles_set(
    *,
    actor: User,
    user: User,
    roles: Iterable[str],
    request: HttpRequest | None = None,
) -> User:
    """Give `user` exactly `roles`, as `actor`; audited.

    Refused (Forbidden, and audited) when `actor` changes their own roles,
    may not manage `user`, or would give or take away a role they may not
    grant.
    """
    wanted = set(roles)
    unknown = wanted - set(STAFF_ROLES)
    if unknown:
        raise InvalidInput.for_field("roles", f"Not a staff role: {sorted(unknown)}.")
    refusal: tuple[str, Forbidden] | None = None
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        current = _role_names(locked)
        refusal = staff_roles_change_refusal(
            actor=actor, user=locked, current=current, wanted=wanted
        )
        if refusal is None and wanted != current:
            locked.groups.set(Group.objects.filter(name__in=wanted))
            audit_record(
                action=AuditEvent.Action.PERMISSION_CHANGE,
                actor=actor,
                request=request,
                target=locked,
                details={"before": sorted(current), "after": sorted(wanted)},
            )
    if refusal is not None:
        # Recorded outside the refused change's transaction, so it stays.
        _refuse(actor, locked, refusal[0], request)
        raise refusal[1]
    return locked


def staff_roles_change_refusal(
    *, actor: User, user: User, current: set[str], wanted: set[str]
) -> tuple[str, Forbidden] | None:
    """Why `actor` may not change `user`'s roles from `current` to `wanted`
    (what, and the error to raise), or None when they may."""
    changed = wanted ^ current
    if not changed:
        return None
    if user.pk == actor.pk:
        return (
            "own roles",
            Forbidden("Nobody changes their own roles.", code="own_access"),
        )
    grantable = staff_roles_grantable(actor=actor)
    if not staff_may_manage(actor=actor, user=user) or changed - grantable:
        return (
            f"roles {sorted(changed - grantable)}",
            Forbidden(
                "You may not give or take away these roles.",
                code="role_not_grantable",
            ),
        )
    return None


def staff_password_reset(
    *, actor: User, user: User, password: str, request: HttpRequest | None = None
) -> User:
    """Set another staff member's password, as `actor`; audited."""
    if not staff_credentials_may_reset(actor=actor, user=user):
        _refuse(actor, user, "password reset", request)
        raise Forbidden(
            "You may not reset this staff member's password.", code="reset_refused"
        )
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput(
            " ".join(error.messages), fields={"password": list(error.messages)}
        ) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        action=AuditEvent.Action.PASSWORD_CHANGE,
        actor=actor,
        request=request,
        target=user,
        details={"reset_by_staff": True},
    )
    return user


def staff_second_factor_reset(
    *, actor: User, user: User, request: HttpRequest | None = None
) -> int:
    """Remove another staff member's second factor (they enrol again at their
    next sign-in), as `actor`; audited. Returns how many devices went."""
    if not staff_credentials_may_reset(actor=actor, user=user):
        _refuse(actor, user, "second factor reset", request)
        raise Forbidden(
            "You may not reset this staff member's second factor.",
            code="reset_refused",
        )
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    audit_record(
        action=AuditEvent.Action.PERMISSION_CHANGE,
        actor=actor,
        request=request,
        target=user,
        details={"second_factor_reset": True, "devices_removed": deleted},
    )
    return deleted
