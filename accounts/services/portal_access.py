"""Portal sign-up: one-time activation codes, and the login made with one.

A support agent issues a code to a cardholder who has no portal login yet;
the cardholder types it on the portal's sign-up page with the username and
password they choose. Only the code's SHA-256 is stored (the code has about
60 random bits, expires, works once, and wrong guesses are throttled), so a
database copy yields no working code.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Cardholder, PortalActivationCode, User
from issuer.kernel.errors import Conflict, InvalidInput

ACTIVATION_CODE_LIFETIME = timedelta(days=14)
# Crockford's base 32 without look-alikes: no I, L, O, U.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_GROUPS, _GROUP_LENGTH = 3, 4
_INVALID_CODE = "This activation code is not valid. Check it, or ask us for a new one."
_EXPIRED_CODE = "This activation code has expired. Ask us for a new one."


def activation_code_normalize(code: str) -> str:
    """Return the code as stored for hashing: upper case, no spaces or dashes."""
    return "".join(code.split()).replace("-", "").upper()


def activation_code_hash(code: str) -> str:
    return hashlib.sha256(activation_code_normalize(code).encode()).hexdigest()


def _activation_code_generate() -> str:
    characters = "".join(
        secrets.choice(_ALPHABET) for _ in range(_GROUPS * _GROUP_LENGTH)
    )
    return "-".join(
        characters[start : start + _GROUP_LENGTH]
        for start in range(0, len(characters), _GROUP_LENGTH)
    )


def portal_activation_code_issue(
    *, cardholder: Cardholder, issued_by: User | None, now: datetime | None = None
) -> tuple[str, PortalActivationCode]:
    """Issue a one-time code for the cardholder's portal sign-up; return it once.

    Earlier unused codes of the cardholder stop working. Refused when the
    cardholder already has a portal login.
    """
    now = now or timezone.now()
    code = _activation_code_generate()
    with transaction.atomic():
        locked = Cardholder.objects.select_for_update().get(pk=cardholder.pk)
        if locked.user_id is not None:
            raise Conflict(
                f"{locked} already has a portal login.",
                code="cardholder_has_login",
            )
        PortalActivationCode.objects.filter(
            cardholder=locked, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        record = PortalActivationCode.objects.create(
            cardholder=locked,
            code_hash=activation_code_hash(code),
            issued_by=issued_by,
            created_at=now,
            expires_at=now + ACTIVATION_CODE_LIFETIME,
        )
    return code, record


def _username_check(username: str) -> str:
    username = User.normalize_username(username.strip())
    field = User._meta.get_field("username")
    try:
        field.clean(username, None)
    except ValidationError as error:
        raise InvalidInput(
            "Choose another username.", fields={"username": list(error.messages)}
        ) from None
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput.for_field("username", "This username is taken.")
    return username


def portal_signup(
    *,
    code: str,
    username: str,
    password: str,
    email: str | None = None,
    now: datetime | None = None,
) -> User:
    """Create the portal login of the code's cardholder and spend the code.

    The code row is locked, so two sign-ups with one code cannot both
    succeed. Every refusal names its field and changes nothing.
    """
    now = now or timezone.now()
    username = _username_check(username)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput.for_field(
                "email", "Enter a valid email address."
            ) from None
    try:
        with transaction.atomic():
            record = (
                PortalActivationCode.objects.select_for_update()
                .filter(code_hash=activation_code_hash(code))
                .first()
            )
            if (
                record is None
                or record.used_at is not None
                or record.revoked_at is not None
            ):
                raise InvalidInput.for_field("code", _INVALID_CODE)
            if record.expires_at <= now:
                raise InvalidInput.for_field("code", _EXPIRED_CODE)
            cardholder = Cardholder.objects.select_for_update().get(
                pk=record.cardholder_id
            )
            if cardholder.user_id is not None:
                raise InvalidInput.for_field("code", _INVALID_CODE)
            user = User(
                username=username,
                email=email or cardholder.email,
                first_name=cardholder.first_name,
                last_name=cardholder.last_name,
            )
            try:
                validate_password(password, user=user)
            except ValidationError as error:
                raise InvalidInput(
                    "Choose a stronger password.",
                    fields={"password": list(error.messages)},
                ) from None
            user.set_password(password)
            user.save()
            Cardholder.objects.filter(pk=cardholder.pk).update(user=user)
            PortalActivationCode.objects.filter(pk=record.pk).update(
                used_at=now, used_by=user
            )
    except IntegrityError:
        # Another sign-up took the username between the check and the insert.
        raise InvalidInput.for_field("username", "This username is taken.") from None
    return user
