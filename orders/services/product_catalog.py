"""The product catalog."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from orders import access as orders_access

from ..models import Product


@transaction.atomic
def product_save(*, product: Product, by: User | None = None) -> Product:
    """Create or change a product (admins); the SKU stays unique."""
    if by is not None and not orders_access.can_manage_catalog(by):
        raise ValidationError({"product": _("Only administrators keep the catalog.")})
    product.sku = (product.sku or "").strip()
    if not product.sku:
        raise ValidationError({"sku": _("Enter a SKU.")})
    clash = Product.objects.filter(sku=product.sku).exclude(pk=product.pk).exists()
    if clash:
        raise ValidationError({"sku": _("Another product has this SKU.")})
    if product.list_price is None or product.list_price < 0:
        raise ValidationError({"list_price": _("The list price cannot be negative.")})
    product.save()
    return product
