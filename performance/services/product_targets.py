"""Product sales targets per team and month: set by admins (any team) and heads (the
teams of their subtree); an amount of zero or less removes the target."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm import access as crm_access
from crm.models import Team
from orders.models import Product

from .. import access as performance_access
from ..models import ProductTarget


def product_target_set(
    *, team: Team, product: Product, month: dt.date, amount, by: User
) -> ProductTarget | None:
    if not performance_access.can_set_product_targets(by):
        raise ValidationError({"team": _("Admins and heads set product targets.")})
    if not crm_access.visible_teams(by).filter(pk=team.pk).exists():
        raise ValidationError({"team": _("Choose a team in your departments.")})
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"amount": _("Enter an amount.")}) from None
    month = month.replace(day=1)
    with transaction.atomic():
        if amount <= 0:
            ProductTarget.objects.filter(team=team, product=product, month=month).delete()
            return None
        target, _created = ProductTarget.objects.update_or_create(
            team=team, product=product, month=month, defaults={"amount": amount, "set_by": by}
        )
    return target
