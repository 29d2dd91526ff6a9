from django import template

register = template.Library()


@register.filter
def person(user) -> str:
    """A user's name as colleagues know it: full name, else username, else a dash."""
    from crm.api import user_name

    if user is None or user == "":
        return "—"
    return user_name(user)


@register.filter
def member_status(code: str) -> str:
    """A stored status code ("on_leave") as the user's language says it."""
    from crm.models import MemberStatus

    try:
        return MemberStatus(code).label
    except ValueError:
        return code
