"""Demo staff rules, through the rules service: two active (they flag and
open review cases on live demo traffic) and two in shadow (they only record
the hits a supervisor would weigh before switching them on)."""

from typing import Any

from accounts.models import User
from fraud.models import Rule
from fraud.services.rules import rule_create

# (name, conditions, action, mode); amounts in major units, as the features.
DEMO_RULES: tuple[tuple[str, list[dict[str, Any]], str, str], ...] = (
    (
        "Online spend far above the card's usual",
        [
            {"feature": "is_ecommerce", "operator": "==", "threshold": 1},
            {"feature": "amount_to_card_mean_30d", "operator": ">=", "threshold": 8},
            {"feature": "amount", "operator": ">=", "threshold": 300},
        ],
        Rule.Action.CASE,
        Rule.Mode.ACTIVE,
    ),
    (
        "New country at night",
        [
            {"feature": "is_new_country_for_card", "operator": "==", "threshold": 1},
            {"feature": "is_night", "operator": "==", "threshold": 1},
        ],
        Rule.Action.FLAG,
        Rule.Mode.ACTIVE,
    ),
    (
        "Burst: five authorizations within an hour",
        [{"feature": "card_count_1h", "operator": ">=", "threshold": 5}],
        Rule.Action.FREEZE,
        Rule.Mode.SHADOW,
    ),
    (
        "Merchant with recent confirmed fraud",
        [{"feature": "merchant_known_fraud_7d", "operator": ">=", "threshold": 2}],
        Rule.Action.CASE,
        Rule.Mode.SHADOW,
    ),
)


def demo_rules_seed(*, created_by: User | None = None) -> list[Rule]:
    """Create the demo rules that do not exist yet; return those created."""
    existing = set(Rule.objects.values_list("name", flat=True))
    return [
        rule_create(
            name=name,
            conditions=conditions,
            action=action,
            mode=mode,
            created_by=created_by,
        )
        for name, conditions, action, mode in DEMO_RULES
        if name not in existing
    ]
