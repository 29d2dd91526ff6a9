"""Customers made and found: a lead is linked to a customer when it is first won (a new
customer from the lead, unless its number or email is already a customer's), or at
capture when its number or email is already a customer's. Contacts are added here too.

Called by `customers.receivers` on the signals leads already sends (a new `Lead` saved by
`leads.services.capture`, a `LeadEvent` to won written by `leads.services.moves`); the
link is one UPDATE of `Lead.customer` (no status change, no audit entry of its own: the
customer's creation and its contacts are audited).
"""

from __future__ import annotations

from contextlib import nullcontext

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from crm import phones
from crm.models import Member
from leads.models import Lead
from risk.audit import acting_as

from ..models import Contact, ContactKind, Customer, CustomerKind

WECHAT_MAX = 100


def contact_value_clean(*, kind: str, value: str) -> str:
    """The stored form of a contact: E.164, a lower-case email, a trimmed WeChat id;
    ValidationError on `value` otherwise."""
    text = (value or "").strip()
    if kind == ContactKind.PHONE:
        e164 = phones.normalize_or_none(text)
        if e164 is None:
            raise ValidationError({"value": _("This is not a valid phone number.")})
        return e164
    if kind == ContactKind.EMAIL:
        try:
            validate_email(text)
        except ValidationError as error:
            raise ValidationError({"value": _("Enter a valid email address.")}) from error
        return text.lower()
    if kind == ContactKind.WECHAT:
        if not text or len(text) > WECHAT_MAX or any(c.isspace() for c in text):
            raise ValidationError({"value": _("Enter a WeChat id without spaces.")})
        return text
    raise ValidationError({"kind": _("Choose phone, email or WeChat.")})


def _lead_contacts(lead: Lead) -> list[tuple[str, str]]:
    pairs = [(ContactKind.PHONE, lead.phone)]
    if lead.email:
        pairs.append((ContactKind.EMAIL, lead.email.strip().lower()))
    if lead.wechat:
        pairs.append((ContactKind.WECHAT, lead.wechat.strip()))
    return pairs


def customer_id_matching(lead: Lead) -> int | None:
    """The customer that already has the lead's number or email (number first), if any."""
    keys = Q(kind=ContactKind.PHONE, value=lead.phone)
    if lead.email:
        keys |= Q(kind=ContactKind.EMAIL, value=lead.email.strip().lower())
    found = dict(
        Contact.objects.filter(keys, customer__merged_into__isnull=True).values_list(
            "kind", "customer_id"
        )
    )
    return found.get(ContactKind.PHONE) or found.get(ContactKind.EMAIL)


def _link(lead: Lead, customer: Customer) -> None:
    Lead.objects.filter(pk=lead.pk).update(customer_id=customer.pk)
    lead.customer_id = customer.pk


def _add_missing_contacts(customer: Customer, pairs) -> None:
    have = set(customer.contacts.values_list("kind", "value"))
    for kind, value in pairs:
        if (kind, value) not in have:
            Contact.objects.create(customer=customer, kind=kind, value=value)
            have.add((kind, value))


def customer_link_at_capture(*, lead: Lead) -> int | None:
    """A new lead whose number or email is a customer's joins that customer (one query
    when it is no customer's); the customer's id, or None."""
    if lead.customer_id is not None:
        return None
    customer_id = customer_id_matching(lead)
    if customer_id is not None:
        Lead.objects.filter(pk=lead.pk).update(customer_id=customer_id)
        lead.customer_id = customer_id
    return customer_id


@transaction.atomic
def customer_for_won_lead(*, lead_id: int, by: AbstractBaseUser | None) -> Customer:
    """The won lead's customer: the one it already has, else the customer holding its
    number or email, else a new customer made from the lead (its name, company and
    contacts; owned by the lead's owner, in their team)."""
    lead = Lead.objects.select_for_update().get(pk=lead_id)
    if lead.customer_id is not None:
        return Customer.objects.get(pk=lead.customer_id)
    customer_id = customer_id_matching(lead)
    customer = Customer.objects.get(pk=customer_id) if customer_id else None
    with acting_as(by) if by is not None else nullcontext():
        if customer is None:
            owner_id = lead.owner_id or getattr(by, "pk", None)
            team_id = lead.team_id
            if owner_id is not None:
                team_id = (
                    Member.objects.filter(user_id=owner_id)
                    .values_list("team_id", flat=True)
                    .first()
                    or team_id
                )
            customer = Customer.objects.create(
                kind=CustomerKind.COMPANY if lead.company else CustomerKind.PERSON,
                name=lead.name,
                company=lead.company,
                owner_id=owner_id,
                team_id=team_id,
                origin_lead=lead,
                created_by=by,
            )
        _add_missing_contacts(customer, _lead_contacts(lead))
    _link(lead, customer)
    return customer


@transaction.atomic
def contact_add(
    *, customer: Customer, kind: str, value: str, label: str = "", by: AbstractBaseUser
) -> Contact:
    """Add a phone, email or WeChat id to a customer; refused (on `value`) when the
    customer has it already or another customer holds it (merge them instead)."""
    value = contact_value_clean(kind=kind, value=value)
    taken = (
        Contact.objects.filter(kind=kind, value=value, customer__merged_into__isnull=True)
        .values_list("customer_id", flat=True)
        .first()
    )
    if taken == customer.pk:
        raise ValidationError({"value": _("The customer has this contact already.")})
    if taken is not None:
        raise ValidationError(
            {"value": _("Another customer has this contact: merge the two customers instead.")}
        )
    with acting_as(by):
        return Contact.objects.create(customer=customer, kind=kind, value=value, label=label)
