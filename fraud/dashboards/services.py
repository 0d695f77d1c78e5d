"""Writes for the dashboards: the impact assumptions, edited by supervisors."""

from accounts.models import User
from fraud.dashboards.models import BASIS_POINTS_MAX, SINGLETON_PK, ImpactAssumptions
from issuer.kernel.errors import InvalidInput
from issuer.kernel.money import validate_currency


def impact_assumptions_validate(
    *,
    currency: str,
    review_cost_per_case: int,
    false_positive_cost: int,
    chargeback_recovery_basis_points: int,
) -> None:
    """Raise InvalidInput naming each field that is not acceptable."""
    fields: dict[str, list[str]] = {}
    try:
        validate_currency(currency)
    except InvalidInput as error:
        fields.update(error.fields)
    for name, value in (
        ("review_cost_per_case", review_cost_per_case),
        ("false_positive_cost", false_positive_cost),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            fields[name] = ["Must be zero or more minor units."]
    if not 0 <= chargeback_recovery_basis_points <= BASIS_POINTS_MAX:
        fields["chargeback_recovery_basis_points"] = [
            f"Must be 0 to {BASIS_POINTS_MAX} (100 %)."
        ]
    if fields:
        raise InvalidInput("The impact assumptions are not valid.", fields=fields)


def impact_assumptions_update(
    *,
    currency: str,
    review_cost_per_case: int,
    false_positive_cost: int,
    chargeback_recovery_basis_points: int,
    actor: User,
) -> ImpactAssumptions:
    """Store the assumptions business impact is computed with (one row)."""
    impact_assumptions_validate(
        currency=currency,
        review_cost_per_case=review_cost_per_case,
        false_positive_cost=false_positive_cost,
        chargeback_recovery_basis_points=chargeback_recovery_basis_points,
    )
    assumptions, _ = ImpactAssumptions.objects.update_or_create(
        pk=SINGLETON_PK,
        defaults={
            "currency": currency,
            "review_cost_per_case": review_cost_per_case,
            "false_positive_cost": false_positive_cost,
            "chargeback_recovery_basis_points": chargeback_recovery_basis_points,
            "updated_by": actor,
        },
    )
    return assumptions
