"""Staff users and their roles."""

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.roles import STAFF_ROLES
from issuer.kernel.errors import InvalidInput


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
