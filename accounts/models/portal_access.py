"""One-time activation codes that let a cardholder create a portal login."""

import uuid

from django.db import models
from django.db.models import Q

from accounts.models.people import Cardholder, User


class PortalActivationCode(models.Model):
    """A code a support agent gives a cardholder to sign up to the portal.

    Only the SHA-256 of the code is stored; the code itself is shown once.
    A code works once (`used_at`), until `expires_at`, and stops working
    when a newer code is issued to the same cardholder (`revoked_at`).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cardholder = models.ForeignKey(
        Cardholder, on_delete=models.PROTECT, related_name="portal_activation_codes"
    )
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    issued_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [
            ("issue_activation_code", "Can issue a portal activation code"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="accounts_portalactivationcode_expires_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True, used_by__isnull=True)
                | Q(used_at__isnull=False, used_by__isnull=False),
                name="accounts_portalactivationcode_used_by_whom",
            ),
        ]

    def __str__(self) -> str:
        return f"Portal activation code for {self.cardholder}"
