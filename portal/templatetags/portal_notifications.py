"""`{% unread_notification_count %}`: the signed-in cardholder's unread count."""

from django import template

from accounts.notification_selectors import cardholder_unread_notification_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context: template.Context) -> int:
    cardholder = getattr(context["request"].user, "cardholder", None)
    if cardholder is None:
        return 0
    return cardholder_unread_notification_count(cardholder=cardholder)
