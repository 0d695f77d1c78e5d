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

import datetime
import uuid

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone

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


# Restaurants and fast food (tips), fuel dispensers and service stations,
# lodging, car rental: their final amounts routinely exceed the authorization.
OVER_CAPTURE_MCCS = ("5812", "5814", "5541", "5542", "7011", "7512")


def default_over_capture_mccs() -> list[str]:
    return list(OVER_CAPTURE_MCCS)


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
    billing_time_zone = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="IANA zone, e.g. America/New_York, whose days its lines' cycles "
        "count in; empty = the BILLING_TIME_ZONE setting. A line keeps the zone "
        "it was opened with.",
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
    is_cvv_required_card_not_present = models.BooleanField(
        default=True,
        help_text="Decline (N7) card-not-present (e-commerce) authorizations "
        "that carry no CVV.",
    )
    blocked_mccs = models.JSONField(
        default=list, blank=True, help_text='Merchant category codes, e.g. ["7995"].'
    )
    blocked_countries = models.JSONField(
        default=list, blank=True, help_text='ISO 3166-1 alpha-2 codes, e.g. ["KP"].'
    )
    # Over-capture tolerance (docs/money-bounds.md): an authorization's
    # captures may total at most its amount plus this share of it; merchants
    # in `over_capture_mccs` (tips, fuel, hotels, car rental) get the larger
    # `over_capture_mcc_tolerance_bps`.
    over_capture_tolerance_bps = models.PositiveIntegerField(
        default=1_000,
        help_text="Captures may exceed the authorization by this much; 1 % = 100.",
    )
    over_capture_mcc_tolerance_bps = models.PositiveIntegerField(
        default=2_000,
        help_text="The tolerance for the merchant categories below; 1 % = 100.",
    )
    over_capture_mccs = models.JSONField(
        default=default_over_capture_mccs,
        blank=True,
        help_text="Merchant category codes with the larger tolerance.",
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
                condition=Q(
                    over_capture_tolerance_bps__lte=10_000,
                    over_capture_mcc_tolerance_bps__lte=10_000,
                ),
                name="cards_cardproduct_over_capture_tolerance_range",
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


class SpendingControls(models.Model):
    """Limits a cardholder or the issuer sets. Null = no limit.

    Daily and monthly amount limits use calendar windows in UTC: the day
    resets at 00:00 UTC, the month on the 1st at 00:00 UTC. They count
    approved authorizations net of what was released (reversals, expiry, the
    remainder of a final capture), from `ActivityCounter` rows kept under the
    credit account's row lock (docs/spending-controls.md).
    """

    per_transaction_limit = models.BigIntegerField(null=True, blank=True)
    daily_limit = models.BigIntegerField(null=True, blank=True)
    monthly_limit = models.BigIntegerField(null=True, blank=True)
    is_ecommerce_enabled = models.BooleanField(default=True)
    is_atm_enabled = models.BooleanField(default=True)
    is_contactless_enabled = models.BooleanField(default=True)
    blocked_mccs = models.JSONField(default=list, blank=True)
    blocked_countries = models.JSONField(default=list, blank=True)

    class Meta:
        abstract = True

    @property
    def has_amount_windows(self) -> bool:
        return self.daily_limit is not None or self.monthly_limit is not None


class Card(SpendingControls):
    """A payment card on a credit account.

    The PAN is stored only encrypted (AES-GCM; `pan_key_id` names the key)
    with a keyed fingerprint for look-ups and the last four for display. The
    CVV is derived, never stored. Status moves inactive -> active <-> frozen
    -> closed, or to blocked (too many consecutive CVV or expiry failures);
    every move is recorded in CardStatusChange. A closed card never reopens.

    A frozen or blocked card names the owner of its freeze or block
    (`block_owner`); only the sides `cards.services.lifecycle.LIFT_RULES`
    names for that owner may lift it, and the database keeps the owner and
    the status in step.
    """

    class Status(models.TextChoices):
        INACTIVE = "inactive", "Inactive"
        ACTIVE = "active", "Active"
        FROZEN = "frozen", "Frozen"
        BLOCKED = "blocked", "Blocked (CVV or expiry failures)"
        CLOSED = "closed", "Closed"

    class BlockOwner(models.TextChoices):
        """Whose freeze or block it is (see `LIFT_RULES` for who may lift it)."""

        CARDHOLDER = "cardholder", "The cardholder"
        PARTNER = "partner", "The program manager"
        ISSUER = "issuer", "The bank"
        FRAUD = "fraud", "Fraud detection"
        SECURITY = "security", "Card security (CVV or expiry failures)"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(
        "accounts.CreditAccount", on_delete=models.PROTECT, related_name="cards"
    )
    product = models.ForeignKey(
        CardProduct, on_delete=models.PROTECT, related_name="cards"
    )
    pan_key_id = models.CharField(max_length=32)
    pan_ciphertext = models.BinaryField(max_length=64)
    pan_fingerprint = models.CharField(max_length=64, unique=True)
    last_four = models.CharField(max_length=4)
    expiry_month = models.PositiveSmallIntegerField()
    expiry_year = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.INACTIVE
    )
    status_reason = models.CharField(max_length=30, blank=True)
    status_changed_by = models.CharField(max_length=20, blank=True)
    block_owner = models.CharField(
        max_length=12, choices=BlockOwner.choices, blank=True, default=""
    )
    verification_failures = models.PositiveSmallIntegerField(
        default=0, help_text="Consecutive wrong CVVs or expiry dates."
    )
    is_under_fraud_review = models.BooleanField(default=False)
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [
            ("freeze_card", "Can freeze and unfreeze cards"),
            ("replace_card", "Can replace and close cards"),
            (
                "lift_card_block",
                "Can lift security blocks and bank or fraud freezes",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expiry_month__gte=1, expiry_month__lte=12),
                name="cards_card_expiry_month_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["inactive", "active", "frozen", "blocked", "closed"]
                ),
                name="cards_card_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    status="frozen",
                    block_owner__in=["cardholder", "partner", "issuer", "fraud"],
                )
                | Q(status="blocked", block_owner="security")
                | (~Q(status__in=["frozen", "blocked"]) & Q(block_owner="")),
                name="cards_card_block_owner_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"Card •••• {self.last_four}"

    @property
    def expiry(self) -> str:
        return f"{self.expiry_month:02d}/{self.expiry_year % 100:02d}"


class CardStatusChange(models.Model):
    """Append-only history of a card's status: who, through what, and why."""

    class Reason(models.TextChoices):
        ISSUED = "issued", "Issued"
        ACTIVATED = "activated", "Activated"
        CARDHOLDER_REQUEST = "cardholder_request", "Cardholder request"
        ISSUER_REQUEST = "issuer_request", "Issuer request"
        LOST = "lost", "Lost"
        STOLEN = "stolen", "Stolen"
        COMPROMISED = "compromised", "Compromised"
        EXPIRED = "expired", "Expired"
        SUSPICIOUS_ACTIVITY = "suspicious_activity", "Suspicious activity"
        CVV_FAILURES = "cvv_failures", "Too many CVV or expiry failures"
        REPLACED = "replaced", "Replaced"

    class Channel(models.TextChoices):
        PORTAL = "portal", "Cardholder portal"
        API = "api", "Partner API"
        ADMIN = "admin", "Staff admin"
        SYSTEM = "system", "System"

    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="history")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    reason = models.CharField(max_length=30, choices=Reason.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    actor = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    partner = models.ForeignKey(
        "accounts.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    block_owner = models.CharField(
        max_length=12,
        choices=Card.BlockOwner.choices,
        blank=True,
        help_text="The owner of the freeze or block placed or lifted.",
    )
    note = models.TextField(
        blank=True, help_text="Why staff lifted a block (required for them)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status} ({self.reason})"


class AccountSpendingControls(SpendingControls):
    """Controls on a whole credit account, across all its cards."""

    account = models.OneToOneField(
        "accounts.CreditAccount",
        on_delete=models.CASCADE,
        related_name="spending_controls",
    )

    class Meta:
        verbose_name_plural = "account spending controls"

    def __str__(self) -> str:
        return f"Controls for {self.account_id}"


class VelocityRule(models.Model):
    """Staff-configured: decline (65) past `max_count` approvals or
    `max_amount` approved within the trailing `window_seconds` on a card."""

    name = models.CharField(max_length=100, unique=True)
    window_seconds = models.PositiveIntegerField()
    max_count = models.PositiveIntegerField(null=True, blank=True)
    max_amount = models.BigIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(max_count__isnull=False) | Q(max_amount__isnull=False),
                name="cards_velocityrule_has_a_limit",
            ),
            models.CheckConstraint(
                condition=Q(window_seconds__gt=0, window_seconds__lte=31 * 86_400),
                name="cards_velocityrule_window_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ActivityCounter(models.Model):
    """A running count and amount of approvals for one owner in one time bucket.

    Generic running aggregates, kept with every approval in the same
    transaction and under the same credit-account row lock as the hold (see
    `cards.services.activity`): the spending windows (daily, monthly) and the
    velocity rules read them instead of scanning authorizations, and inline
    fraud features may read them as per-card counts and sums by time bucket.

    - `scope` + `owner_id`: whose activity (a card's or a credit account's
      pk; not a foreign key, so one table serves every scope).
    - `granularity` + `bucket_start`: a calendar bucket in UTC (the minute,
      hour, day or month starting at `bucket_start`).
    - `count`: approvals in the bucket (a release does not take one back).
    - `amount`: approved minor units net of what was released since
      (reversals, expiry, the remainder of a final capture).

    Invariants, also held by the database: one row per scope, owner,
    granularity and bucket; count and amount never negative.
    """

    class Scope(models.TextChoices):
        CARD = "card", "Card"
        ACCOUNT = "account", "Credit account"

    class Granularity(models.TextChoices):
        MINUTE = "minute", "Minute"
        HOUR = "hour", "Hour"
        DAY = "day", "Day (UTC)"
        MONTH = "month", "Month (UTC)"

    scope = models.CharField(max_length=8, choices=Scope.choices)
    owner_id = models.BigIntegerField(help_text="The card's or account's pk.")
    granularity = models.CharField(max_length=6, choices=Granularity.choices)
    bucket_start = models.DateTimeField(help_text="UTC start of the bucket.")
    count = models.BigIntegerField(default=0)
    amount = models.BigIntegerField(default=0, help_text="Minor units, net.")
    currency = models.CharField(max_length=3)

    class Meta:
        indexes = [models.Index(fields=["granularity", "bucket_start"])]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "owner_id", "granularity", "bucket_start"],
                name="cards_activitycounter_one_per_bucket",
            ),
            models.CheckConstraint(
                condition=Q(count__gte=0, amount__gte=0),
                name="cards_activitycounter_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(scope__in=["card", "account"]),
                name="cards_activitycounter_scope_valid",
            ),
            models.CheckConstraint(
                condition=Q(granularity__in=["minute", "hour", "day", "month"]),
                name="cards_activitycounter_granularity_valid",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.scope} {self.owner_id} {self.granularity} "
            f"{self.bucket_start:%Y-%m-%d %H:%M}: {self.count}, {self.amount}"
        )


class Channel(models.TextChoices):
    POS = "pos", "Card present (chip / swipe)"
    CONTACTLESS = "contactless", "Contactless"
    ECOMMERCE = "ecommerce", "E-commerce"
    ATM = "atm", "ATM"


class Authorization(models.Model):
    """Every authorization attempt, approved or declined, with its reason.

    Approved ones own a ledger hold. Captured, reversed and refunded amounts
    are running sums of the captures, releases and refunds against it:
    `reversed_amount` is everything released from the hold without being
    captured (a reversal, expiry, or the remainder of a final capture), which
    no longer counts against the spending windows.
    """

    class Status(models.TextChoices):
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        PENDING = "pending", "Awaiting the program's decision"

    class RealtimeDecision(models.TextChoices):
        """What the program's real-time decision came to
        (docs/realtime-decisions.md)."""

        NONE = "", "Not asked"
        PENDING = "pending", "Asked, no answer yet"
        APPROVED = "approved", "Approved by the program"
        DECLINED = "declined", "Declined by the program"
        PARTIAL = "partial", "Approved for a lower amount by the program"
        TIMEOUT_DEFAULT = "timeout-default", "No answer in time: default applied"
        ERROR_DEFAULT = "error-default", "Failed answer: default applied"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner = models.ForeignKey(
        "accounts.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="authorizations",
    )
    card = models.ForeignKey(
        Card,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="authorizations",
    )
    account = models.ForeignKey(
        "accounts.CreditAccount",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="authorizations",
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    merchant_id = models.CharField(max_length=64)
    merchant_name = models.CharField(max_length=120, blank=True)
    mcc = models.CharField(max_length=4)
    merchant_country = models.CharField(max_length=2)
    channel = models.CharField(max_length=12, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    response_code = models.CharField(max_length=2)
    reason = models.CharField(max_length=255)
    hold = models.OneToOneField(
        "ledger.LedgerHold",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="authorization",
    )
    captured_amount = models.BigIntegerField(default=0)
    reversed_amount = models.BigIntegerField(default=0)
    refunded_amount = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # The program's real-time decision, when its program asks for one.
    realtime_decision = models.CharField(
        max_length=16, choices=RealtimeDecision.choices, blank=True, default=""
    )
    realtime_default_approves = models.BooleanField(
        null=True,
        blank=True,
        help_text="The program's default when it was asked (for the sweeper).",
    )
    realtime_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    approved_amount = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="Set on a partial approval: the lower amount approved.",
    )

    class Meta:
        indexes = [
            models.Index(fields=["card", "status", "created_at"]),
            models.Index(fields=["account", "status", "created_at"]),
            models.Index(fields=["created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="cards_authorization_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(status="declined", hold__isnull=True)
                | Q(status__in=["approved", "pending"], hold__isnull=False)
                | Q(
                    status="declined",
                    hold__isnull=False,
                    realtime_decision__in=[
                        "declined",
                        "timeout-default",
                        "error-default",
                    ],
                ),
                name="cards_authorization_approved_has_hold",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", realtime_decision="pending")
                | (~Q(status="pending") & ~Q(realtime_decision="pending")),
                name="cards_authorization_pending_awaits_program",
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | Q(
                    realtime_decision="partial",
                    approved_amount__gt=0,
                    approved_amount__lt=F("amount"),
                ),
                name="cards_authorization_partial_amount_below_requested",
            ),
            models.CheckConstraint(
                condition=Q(
                    captured_amount__gte=0,
                    reversed_amount__gte=0,
                    refunded_amount__gte=0,
                ),
                name="cards_authorization_sums_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.status} {self.amount} {self.currency} ({self.response_code})"


class ClearedMovement(models.Model):
    """What captures and refunds share: money posted to the ledger for a card."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    authorization = models.ForeignKey(
        Authorization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="%(class)ss",
    )
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="%(class)ss")
    partner = models.ForeignKey(
        "accounts.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    entry = models.OneToOneField(
        "ledger.JournalEntry", on_delete=models.PROTECT, related_name="%(class)s"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="%(app_label)s_%(class)s_amount_positive",
            )
        ]


class Capture(ClearedMovement):
    """A clearing posted to the ledger; unusual ones are flagged."""

    is_over_capture = models.BooleanField(default=False)
    is_after_expiry = models.BooleanField(default=False)
    is_without_authorization = models.BooleanField(default=False)
    is_forced_post = models.BooleanField(
        default=False,
        help_text="Posted through the force-post path after the authorization "
        "was fully reversed or expired (bounded by the tolerance, audited).",
    )
    fraud_dispute_marked_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Confirmed fraud: to be disputed with the merchant's acquirer.",
    )

    class Meta(ClearedMovement.Meta):
        pass

    def __str__(self) -> str:
        return f"capture {self.amount} {self.currency}"

    @property
    def is_unusual(self) -> bool:
        return (
            self.is_over_capture
            or self.is_after_expiry
            or self.is_without_authorization
            or self.is_forced_post
        )


class Refund(ClearedMovement):
    """Money back to the cardholder, linked to an authorization or not."""

    merchant_id = models.CharField(max_length=64, blank=True)
    merchant_name = models.CharField(max_length=120, blank=True)

    class Meta(ClearedMovement.Meta):
        pass

    def __str__(self) -> str:
        return f"refund {self.amount} {self.currency}"


DISPUTE_OPEN_STATUSES = ("filed", "submitted")
DISPUTE_CLOSED_STATUSES = ("won", "lost", "withdrawn")


class DisputeQuerySet(models.QuerySet["Dispute"]):
    def open(self) -> "DisputeQuerySet":
        return self.filter(status__in=DISPUTE_OPEN_STATUSES)

    def overdue(self, *, now: datetime.datetime) -> "DisputeQuerySet":
        """Open disputes past a deadline: not submitted in time, or undecided."""
        return self.filter(
            Q(status="filed", submission_due_at__lt=now)
            | Q(status__in=DISPUTE_OPEN_STATUSES, decision_due_at__lt=now)
        )


class Dispute(models.Model):
    """A cardholder's dispute of a cleared transaction (a capture).

    Filing posts a provisional credit to the account at once (ledger kind
    "dispute_credit"). Staff submit the dispute to the network, which
    decides it: won keeps the credit and recovers the money from the
    merchant's side ("dispute_won"); lost takes the credit back
    ("dispute_reversal", posted even past the limit). A withdrawn dispute
    also takes the credit back.

    Status: filed -> submitted -> won | lost; filed or submitted ->
    withdrawn. Deadlines are fixed when filed: submit to the network by
    `submission_due_at`, decide by `decision_due_at` (see
    cards.services.disputes).

    Invariants, also held by the database: the amount is positive; at most
    one dispute per capture is open (`open_capture` is the capture while
    open, null after, under a unique constraint: MariaDB has no partial
    indexes); a closed dispute has its resolution time and entry, an open
    one has neither; a submitted or decided one has its submission time.
    The amount never exceeds what is left of the capture (checked by the
    service under the account lock).
    """

    class Reason(models.TextChoices):
        FRAUD = "fraud", "Fraud (not made by the cardholder)"
        NOT_RECEIVED = "not_received", "Goods or services not received"
        NOT_AS_DESCRIBED = "not_as_described", "Not as described or defective"
        DUPLICATE = "duplicate", "Duplicate charge"
        WRONG_AMOUNT = "wrong_amount", "Wrong amount charged"
        CANCELLED = "cancelled", "Cancelled order or subscription"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        FILED = "filed", "Filed"
        SUBMITTED = "submitted", "Submitted to the network"
        WON = "won", "Won"
        LOST = "lost", "Lost"
        WITHDRAWN = "withdrawn", "Withdrawn"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    capture = models.ForeignKey(
        Capture, on_delete=models.PROTECT, related_name="disputes"
    )
    open_capture = models.ForeignKey(
        Capture,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The capture while the dispute is open; empty once closed.",
    )
    account = models.ForeignKey(
        "accounts.CreditAccount", on_delete=models.PROTECT, related_name="disputes"
    )
    amount = models.BigIntegerField(help_text="Minor units.")
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    description = models.TextField(max_length=2_000)
    evidence = models.FileField(upload_to="disputes/", blank=True, max_length=200)
    evidence_name = models.CharField(
        max_length=120, blank=True, help_text="The evidence file's name as uploaded."
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.FILED, db_index=True
    )
    filed_at = models.DateTimeField(db_index=True)
    filed_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The cardholder or staff member who filed it.",
    )
    submission_due_at = models.DateTimeField(help_text="Submit to the network by then.")
    decision_due_at = models.DateTimeField(help_text="Decide by then.")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    provisional_credit_entry = models.OneToOneField(
        "ledger.JournalEntry", on_delete=models.PROTECT, related_name="+"
    )
    resolution_entry = models.OneToOneField(
        "ledger.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolution_note = models.TextField(max_length=2_000, blank=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["-filed_at", "-pk"]
        indexes = [models.Index(fields=["account", "filed_at"])]
        permissions = [
            ("submit_dispute", "Can submit disputes to the network"),
            ("resolve_dispute", "Can record disputes as won or lost"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="cards_dispute_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"),
                name="cards_dispute_currency_iso4217",
            ),
            models.CheckConstraint(
                condition=Q(
                    reason__in=[
                        "fraud",
                        "not_received",
                        "not_as_described",
                        "duplicate",
                        "wrong_amount",
                        "cancelled",
                        "other",
                    ]
                ),
                name="cards_dispute_reason_valid",
            ),
            models.UniqueConstraint(
                fields=["open_capture"], name="cards_dispute_one_open_per_capture"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=DISPUTE_OPEN_STATUSES,
                    open_capture__isnull=False,
                    open_capture=F("capture"),
                    resolved_at__isnull=True,
                    resolution_entry__isnull=True,
                )
                | Q(
                    status__in=DISPUTE_CLOSED_STATUSES,
                    open_capture__isnull=True,
                    resolved_at__isnull=False,
                    resolution_entry__isnull=False,
                ),
                name="cards_dispute_status_matches_resolution",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["filed", "withdrawn"])
                | Q(submitted_at__isnull=False),
                name="cards_dispute_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=Q(
                    submission_due_at__gte=F("filed_at"),
                    decision_due_at__gte=F("submission_due_at"),
                ),
                name="cards_dispute_deadlines_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"Dispute {self.public_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in DISPUTE_OPEN_STATUSES

    def overdue_deadline(self, *, now: datetime.datetime) -> str:
        """Which deadline an open dispute has passed: "submission", "decision"
        or "" (none, or closed)."""
        if not self.is_open:
            return ""
        if self.status == self.Status.FILED and self.submission_due_at < now:
            return "submission"
        if self.decision_due_at < now:
            return "decision"
        return ""
