"""`{{ authorization.reason|decline_next_step }}`: what to do about a decline."""

from django import template

from portal.decline_help import decline_next_step as next_step

register = template.Library()


@register.filter
def decline_next_step(reason: str) -> str:
    return next_step(reason=reason)
