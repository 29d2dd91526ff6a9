"""Order lines and editable fields: parsing and checking what a seller enters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import ZERO, OrderLine, PaymentTerms, Product

CENT = Decimal("0.01")
MAX_LINES = 50
MAX_QUANTITY = 100_000
MAX_AMOUNT = Decimal("9999999999.99")  # what MONEY (12 digits, 2 decimals) holds
#: Fields of the order itself that may be edited while it is a draft.
EDITABLE_FIELDS = ("payment_terms", "delivery_address", "expected_delivery_on", "notes")


def _money(value, *, field: str, position: int) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError) as error:
        raise ValidationError(
            {
                "lines": _("Line %(n)d: %(field)s is not an amount.")
                % {"n": position, "field": field}
            }
        ) from error
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValidationError(
            {
                "lines": _("Line %(n)d: %(field)s must be between 0 and %(max)s.")
                % {"n": position, "field": field, "max": MAX_AMOUNT}
            }
        )
    return amount


def lines_clean(*, lines: Iterable[Mapping]) -> list[OrderLine]:
    """Unsaved `OrderLine`s from `{"product", "quantity", "unit_price", "discount"}` rows.

    `product` is a Product or its id (active products only); the unit price defaults to
    the list price; the discount is an amount off the line, at most the line's amount.
    """
    rows = list(lines)
    if not rows:
        raise ValidationError({"lines": _("An order needs at least one line.")})
    if len(rows) > MAX_LINES:
        raise ValidationError({"lines": _("An order has at most %(n)d lines.") % {"n": MAX_LINES}})
    product_ids = [
        row["product"].pk if isinstance(row.get("product"), Product) else row.get("product")
        for row in rows
    ]
    products = Product.objects.in_bulk(
        [pk for pk in product_ids if isinstance(pk, int) and not isinstance(pk, bool)]
    )
    cleaned = []
    for position, (row, product_id) in enumerate(zip(rows, product_ids, strict=True), start=1):
        product = products.get(product_id) if isinstance(product_id, int) else None
        if product is None or not product.is_active:
            raise ValidationError(
                {"lines": _("Line %(n)d: choose a product from the catalog.") % {"n": position}}
            )
        quantity = row.get("quantity")
        if (
            not isinstance(quantity, int)
            or isinstance(quantity, bool)
            or not 1 <= quantity <= MAX_QUANTITY
        ):
            raise ValidationError(
                {
                    "lines": _("Line %(n)d: the quantity must be a whole number from 1 to %(max)d.")
                    % {"n": position, "max": MAX_QUANTITY}
                }
            )
        price = row.get("unit_price")
        unit_price = (
            product.list_price
            if price in (None, "")
            else _money(price, field=_("unit price"), position=position)
        )
        discount = _money(row.get("discount") or ZERO, field=_("discount"), position=position)
        line = OrderLine(
            product=product, quantity=quantity, unit_price=unit_price, discount=discount
        )
        if line.list_amount > MAX_AMOUNT:
            raise ValidationError(
                {"lines": _("Line %(n)d: the amount is too large.") % {"n": position}}
            )
        if discount > line.list_amount:
            raise ValidationError(
                {
                    "lines": _("Line %(n)d: the discount is more than the line's amount.")
                    % {"n": position}
                }
            )
        cleaned.append(line)
    if sum((line.list_amount for line in cleaned), ZERO) > MAX_AMOUNT:
        raise ValidationError({"lines": _("The order's total is too large.")})
    return cleaned


def fields_clean(*, fields: Mapping, today: dt.date) -> dict:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed here.")})
    cleaned = dict(fields)
    if "payment_terms" in cleaned and cleaned["payment_terms"] not in PaymentTerms.values:
        raise ValidationError({"payment_terms": _("Unknown payment terms.")})
    due = cleaned.get("expected_delivery_on")
    if due is not None and due < today:
        raise ValidationError(
            {"expected_delivery_on": _("The expected delivery date cannot be in the past.")}
        )
    return cleaned
