"""Logins, partners and their API keys, cardholders."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager


class User(AbstractUser):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]
        permissions = [
            ("grant_staff_roles", "Give or take away the lower staff roles"),
            (
                "reset_staff_credentials",
                "Reset another staff member's password or second factor",
            ),
        ]


class Partner(models.Model):
    class Kind(models.TextChoices):
        ACQUIRER = "acquirer", "Acquirer"
        PROCESSOR = "processor", "Processor"
        PROGRAM_MANAGER = "program_manager", "Program manager"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ACQUIRER)
    serves_issuer_cardholders = models.BooleanField(
        default=False,
        help_text="Staff-granted: this partner may also read and act on the "
        "issuer's own cardholders (those of no program), e.g. the issuer's bill "
        "payment processor. Off: it reaches only its own program's.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Scope(models.TextChoices):
    """What a partner API key may do."""

    AUTHORIZATIONS = "authorizations", "Authorize, capture and reverse"
    REFUNDS = "refunds", "Refund"
    PAYMENTS = "payments", "Take payments"
    ACCOUNTS = "accounts", "Read accounts and statements"
    CARDS = "cards", "Manage cardholders and cards"
    WEBHOOKS = "webhooks", "Manage webhook endpoints"
    DISPUTES = "disputes", "Read disputes"


class PartnerApiKeyManager(BaseAPIKeyManager):
    def get_usable_keys(self) -> models.QuerySet["PartnerApiKey"]:
        return super().get_usable_keys().select_related("partner")


class PartnerApiKey(AbstractAPIKey):
    objects = PartnerApiKeyManager()  # type: ignore[assignment,misc]

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="keys")
    scopes = models.JSONField(default=list)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "partner API key"
        verbose_name_plural = "partner API keys"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class Cardholder(models.Model):
    """A person holding credit accounts (KYC data); may log in to the portal."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cardholder",
    )
    program_partner = models.ForeignKey(
        Partner,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cardholders",
        help_text="The program manager that enrolled this cardholder, if any.",
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2)
    email = models.EmailField()
    phone = models.CharField(max_length=30)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"
