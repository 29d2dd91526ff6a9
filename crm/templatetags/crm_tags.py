from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from crm.html_rows import local, rows_html, url_for_pk

register = template.Library()

# Rendered unbound forms, by (template, form class, language): see `form_fields`.
_unbound_forms: dict[tuple, str] = {}


@register.simple_tag
def form_fields(template_name: str, form) -> str:
    """`form` rendered with `template_name` (which sees it as `form`).

    An unbound form without initial values or prefix is the same markup on every page, so
    it is rendered once per process and language: the lead page's follow-up form cost
    about 5 ms a view through the widget templates. Only for forms whose fields have no
    initial value that changes (a callable such as "now"): those must be passed bound or
    with `initial`.
    """
    if form.is_bound or form.initial or form.prefix:
        return render_to_string(template_name, {"form": form})
    key = (template_name, type(form), get_language())
    html = _unbound_forms.get(key)
    if html is None:
        html = _unbound_forms[key] = render_to_string(template_name, {"form": form})
    return html


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


# Widths in this step: the classes `.pct-0` … `.pct-100` of crm.css (a bar drawn to 5 %,
# its number written beside it).
PCT_STEP = 5


@register.filter
def pct_class(value) -> str:
    """A percentage as the class that draws a bar that wide (`pct-35`): the CSP allows no
    style attribute, so widths are classes, rounded to the nearest 5 % and kept within
    0–100 (an achievement past the end fills the bar). Anything not a number is 0."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "pct-0"
    if number != number:  # NaN
        return "pct-0"
    clamped = min(100.0, max(0.0, number))
    return f"pct-{int(clamped / PCT_STEP + 0.5) * PCT_STEP}"


@register.simple_tag
def nav_links(items, path: str) -> str:
    """The main menu's links, written in one pass (every page draws it: the template loop
    cost about 0.4 ms a page). The markup is what the loop wrote."""
    return rows_html(
        '<li class="nav-item"><a class="nav-link{}" href="{}">{}</a></li>',
        ((" active" if path == url else "", url, label) for label, url in items),
    )


@register.simple_tag
def notification_items(notes) -> str:
    """The unread notifications of the menu, written in one pass (up to nine on every
    page). The markup is what the template loop wrote."""
    if not notes:
        return format_html(
            '<li><span class="dropdown-item-text small text-muted">{}</span></li>',
            _("No new notifications."),
        )
    note_url = url_for_pk("notification_open")
    return rows_html(
        '<li><a class="dropdown-item small text-wrap" href="{}">{}<br>'
        '<span class="text-muted">{}</span></a></li>',
        ((note_url(note.pk), note.text, local(note.created_at, "m-d H:i")) for note in notes),
    )
