"""The card catalogue: BIN ranges and the card products issued from them.

- Bin: an issuer identification number prefix (6-8 digits) on one network,
  with the PAN length of its cards and its currency. PANs generated for a
  product start with its BIN prefix (see `cards.security.pan_generate`).
  No BIN prefix is a prefix of another (enforced by `bin_create`), so a
  PAN belongs to exactly one BIN.
- CardProduct: what a card is issued as: its BIN, default credit limit,
  pricing (APR and fees) and the default spending controls copied onto
  each new card.

Invariants, also held by the database:
- Money is an integer in minor units with its ISO 4217 `currency` beside it;
  a product's currency is its BIN's (checked by the service).
- Limits are positive; fees are zero or more; rates are basis points in
  0-10,000 (100 %); a null spending limit means no limit.
- Blocked MCCs are 4-digit strings and blocked countries ISO 3166-1 alpha-2
  codes, both sorted and unique (normalized by the service).

Card numbers, their ciphertexts and CVVs never live in this catalogue; the
card-data primitives are in `cards.security`.
"""

import uuid

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual

BASIS_POINTS_MAX = 10_000


def _optional_positive(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gt": 0})


class Bin(models.Model):
    class Network(models.TextChoices):
        VISA = "visa", "Visa"
        MASTERCARD = "mastercard", "Mastercard"
        AMEX = "amex", "American Express"
        DISCOVER = "discover", "Discover"

    prefix = models.CharField(
        max_length=8, unique=True, help_text="6 to 8 digits: the BIN / IIN."
    )
    network = models.CharField(max_length=12, choices=Network.choices)
    pan_length = models.PositiveSmallIntegerField(
        help_text="Digits in the card numbers issued under this BIN (15-19)."
    )
    currency = models.CharField(max_length=3, help_text="ISO 4217 code, e.g. USD.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["prefix"]
        verbose_name = "BIN"
        verbose_name_plural = "BINs"
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    GreaterThanOrEqual(Length("prefix"), 6),
                    LessThanOrEqual(Length("prefix"), 8),
                    prefix__regex=r"^[0-9]+$",
                ),
                name="cards_bin_prefix_6_to_8_digits",
            ),
            models.CheckConstraint(
                condition=Q(pan_length__gte=15, pan_length__lte=19),
                name="cards_bin_pan_length_15_to_19",
            ),
            models.CheckConstraint(
                condition=Q(network__in=["visa", "mastercard", "amex", "discover"]),
                name="cards_bin_network_known",
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"),
                name="cards_bin_currency_iso4217",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} ({self.get_network_display()}, {self.pan_length})"


class CardProduct(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120, unique=True)
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="products")
    currency = models.CharField(max_length=3, help_text="ISO 4217; the BIN's.")
    default_credit_limit = models.BigIntegerField(help_text="Minor units.")
    apr_basis_points = models.PositiveIntegerField(help_text="1 % = 100.")
    annual_fee = models.BigIntegerField(default=0, help_text="Minor units.")
    late_fee = models.BigIntegerField(default=0, help_text="Minor units.")
    returned_payment_fee = models.BigIntegerField(default=0, help_text="Minor units.")
    foreign_transaction_fee_basis_points = models.PositiveIntegerField(
        default=0, help_text="Of the transaction amount; 1 % = 100."
    )
    validity_years = models.PositiveSmallIntegerField(
        default=3, help_text="A new card expires this many years after issue (1-10)."
    )
    # Default spending controls copied onto each new card. Null = no limit.
    per_transaction_limit = models.BigIntegerField(
        null=True, blank=True, help_text="Minor units; empty = no limit."
    )
    daily_limit = models.BigIntegerField(
        null=True, blank=True, help_text="Minor units; empty = no limit."
    )
    monthly_limit = models.BigIntegerField(
        null=True, blank=True, help_text="Minor units; empty = no limit."
    )
    is_ecommerce_enabled = models.BooleanField(default=True)
    is_atm_enabled = models.BooleanField(default=True)
    is_contactless_enabled = models.BooleanField(default=True)
    blocked_mccs = models.JSONField(
        default=list, blank=True, help_text='Merchant category codes, e.g. ["7995"].'
    )
    blocked_countries = models.JSONField(
        default=list, blank=True, help_text='ISO 3166-1 alpha-2 codes, e.g. ["KP"].'
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"),
                name="cards_cardproduct_currency_iso4217",
            ),
            models.CheckConstraint(
                condition=Q(default_credit_limit__gt=0),
                name="cards_cardproduct_default_credit_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(apr_basis_points__gte=0)
                & Q(apr_basis_points__lte=BASIS_POINTS_MAX),
                name="cards_cardproduct_apr_basis_points_range",
            ),
            models.CheckConstraint(
                condition=Q(annual_fee__gte=0),
                name="cards_cardproduct_annual_fee_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(late_fee__gte=0),
                name="cards_cardproduct_late_fee_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(returned_payment_fee__gte=0),
                name="cards_cardproduct_returned_payment_fee_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(foreign_transaction_fee_basis_points__gte=0)
                & Q(foreign_transaction_fee_basis_points__lte=BASIS_POINTS_MAX),
                name="cards_cardproduct_foreign_transaction_fee_range",
            ),
            models.CheckConstraint(
                condition=Q(validity_years__gte=1, validity_years__lte=10),
                name="cards_cardproduct_validity_years_range",
            ),
            models.CheckConstraint(
                condition=_optional_positive("per_transaction_limit"),
                name="cards_cardproduct_per_transaction_limit_positive",
            ),
            models.CheckConstraint(
                condition=_optional_positive("daily_limit"),
                name="cards_cardproduct_daily_limit_positive",
            ),
            models.CheckConstraint(
                condition=_optional_positive("monthly_limit"),
                name="cards_cardproduct_monthly_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(daily_limit__isnull=True)
                | Q(monthly_limit__isnull=True)
                | Q(daily_limit__lte=F("monthly_limit")),
                name="cards_cardproduct_daily_within_monthly",
            ),
        ]

    def __str__(self) -> str:
        return self.name
