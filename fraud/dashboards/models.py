"""The assumptions business impact is computed with, and who may see dashboards.

- ImpactAssumptions: one row (pk 1, held by a constraint) of figures staff
  edit in admin: what reviewing one case costs, what acting on a genuine
  transaction costs (friction, calls, lost customers), and the share of
  missed fraud recovered by chargebacks, in basis points. Money is integer
  minor units of `currency`; impact sums only transactions in that
  currency. Its Meta also carries the `view_dashboards` permission that
  opens the dashboards.
"""

from django.db import models
from django.db.models import Q

BASIS_POINTS_MAX = 10_000
SINGLETON_PK = 1


class ImpactAssumptions(models.Model):
    id = models.PositiveSmallIntegerField(
        primary_key=True, default=SINGLETON_PK, editable=False
    )
    currency = models.CharField(
        max_length=3,
        default="USD",
        help_text="ISO 4217; impact counts only transactions in this currency.",
    )
    review_cost_per_case = models.BigIntegerField(
        default=1_500,
        help_text="Minor units: what reviewing one case costs (analyst time).",
    )
    false_positive_cost = models.BigIntegerField(
        default=500,
        help_text="Minor units: what acting on one genuine transaction costs "
        "(a frozen card, a call, a customer who leaves).",
    )
    chargeback_recovery_basis_points = models.PositiveIntegerField(
        default=2_500,
        help_text="Share of missed fraud recovered from merchants by "
        "chargebacks; 1 % = 100.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "impact assumptions"
        verbose_name_plural = "impact assumptions"
        permissions = [("view_dashboards", "Can view the staff dashboards")]
        constraints = [
            models.CheckConstraint(
                condition=Q(id=SINGLETON_PK),
                name="dashboards_impactassumptions_one_row",
            ),
            models.CheckConstraint(
                condition=Q(review_cost_per_case__gte=0, false_positive_cost__gte=0),
                name="dashboards_impactassumptions_costs_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(chargeback_recovery_basis_points__lte=BASIS_POINTS_MAX),
                name="dashboards_impactassumptions_recovery_at_most_100_percent",
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"),
                name="dashboards_impactassumptions_currency_iso4217",
            ),
        ]

    def __str__(self) -> str:
        return "Impact assumptions"
