from django import template

from risk.access import phone_for as shown

register = template.Library()


@register.filter
def phone_for(e164, user) -> str:
    """`{{ lead.phone|phone_for:request.user }}`: full or masked, as the risk policy says."""
    return shown(user, e164)
