"""How a setting's value reads in a list: choices by their label, yes/no, "—" for empty."""

from django import template
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from crm.models import Role

register = template.Library()


@register.simple_tag
def setting_value(row, name: str) -> str:
    field = row._meta.get_field(name)
    if field.choices:
        value = getattr(row, f"get_{name}_display")()
    elif name == "role":  # a role code kept without choices (discount limits)
        value = dict(Role.choices).get(row.role, row.role)
    else:
        value = getattr(row, name)
    if isinstance(field, models.BooleanField):
        return _("yes") if value else _("no")
    if value is None or value == "":
        return "—"
    if hasattr(value, "strftime") and isinstance(field, models.TimeField):
        return value.strftime("%H:%M")
    return str(value)


@register.simple_tag
def setting_label(model, name: str) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)
