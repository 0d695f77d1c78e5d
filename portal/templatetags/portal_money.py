"""`{% money amount currency %}`: minor units shown with the currency."""

from django import template

from issuer.kernel.money import format_money

register = template.Library()


@register.simple_tag
def money(amount: int, currency: str) -> str:
    return f"{format_money(amount, currency)} {currency}"
