"""``{% unread_notification_count as count %}``: the bell's badge, one COUNT query."""

from django import template

from coaching.reminders.bell import notification_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context) -> int:
    user = context.get("user") or getattr(context.get("request"), "user", None)
    if user is None:
        return 0
    return notification_unread_count(user=user)
