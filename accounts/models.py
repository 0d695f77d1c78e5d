"""People and the identities that reach the issuer.

- User: every login (staff in admin, cardholders in the portal). Staff are
  users with `is_staff` and one or more role groups (see `roles.py`).
- Partner: an acquirer, processor or program manager using the REST API.
- PartnerApiKey: a partner's API key, stored hashed (djangorestframework-
  api-key), with the scopes it grants. A revoked key never works again.
"""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager


class User(AbstractUser):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)


class Partner(models.Model):
    class Kind(models.TextChoices):
        ACQUIRER = "acquirer", "Acquirer"
        PROCESSOR = "processor", "Processor"
        PROGRAM_MANAGER = "program_manager", "Program manager"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ACQUIRER)
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
