"""A customer is made when a lead is first won, and found again at capture by its number
or email; contacts are E.164 phones, lower-case emails and WeChat ids."""

import pytest
from django.core.exceptions import ValidationError

from customers.models import ContactKind, Customer
from customers.services import linking
from leads.models import Channel, Lead
from leads.services import followups
from leads.services.capture.pipeline import lead_capture
from tests.customers.factories import won_customer
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_winning_a_lead_makes_a_customer_with_its_contacts(org):
    customer = won_customer(
        org.agent_a1, name="王芳", company="", email="Wang@Example.com", wechat="wf88"
    )
    assert customer.name == "王芳"
    assert customer.owner == org.agent_a1.user
    assert customer.team == org.team_a
    assert customer.kind == "person"
    contacts = set(customer.contacts.values_list("kind", "value"))
    assert contacts == {
        (ContactKind.PHONE, customer.origin_lead.phone),
        (ContactKind.EMAIL, "wang@example.com"),
        (ContactKind.WECHAT, "wf88"),
    }


def test_winning_twice_or_a_second_order_makes_no_second_customer(org):
    customer = won_customer(org.agent_a1)
    lead = customer.leads.get()
    followups.lead_mark_won(lead=lead, by=org.agent_a1.user)
    assert Customer.objects.count() == 1


def test_a_lead_captured_with_a_customers_email_joins_it(org):
    customer = won_customer(org.agent_a1, email="li@example.com")
    result = lead_capture(
        data={"name": "李四", "phone": "13900001111", "email": "LI@example.com"},
        channel=Channel.MANUAL,
        by=org.agent_a1.user,
    )
    assert Lead.objects.get(pk=result.lead.pk).customer_id == customer.pk


def test_a_lead_captured_with_a_customers_second_number_joins_it(org):
    customer = won_customer(org.agent_a1)
    linking.contact_add(
        customer=customer, kind="phone", value="021-6212 3456", by=org.agent_a1.user
    )
    result = lead_capture(
        data={"name": "公司前台", "phone": "02162123456"}, channel=Channel.MANUAL, by=None
    )
    assert Lead.objects.get(pk=result.lead.pk).customer_id == customer.pk
    # Won later, it stays with that customer: no second one.
    followups.lead_mark_won(lead=Lead.objects.get(pk=result.lead.pk), by=org.agent_a1.user)
    assert Customer.objects.count() == 1


def test_a_stranger_is_no_customer_until_won(org):
    lead = LeadFactory(owner=org.agent_a1.user)
    lead.refresh_from_db()
    assert lead.customer_id is None
    assert Customer.objects.count() == 0


def test_an_imported_lead_with_a_customers_number_is_linked_when_won(org):
    customer = won_customer(org.agent_a1, email="same@example.com")
    # Imports write in bulk (no signal): the lead has no customer until it is won.
    lead = LeadFactory(owner=org.agent_a1.user, status="interested")
    Lead.objects.filter(pk=lead.pk).update(email="same@example.com", customer=None)
    lead.refresh_from_db()
    followups.lead_mark_won(lead=lead, by=org.agent_a1.user)
    lead.refresh_from_db()
    assert lead.customer_id == customer.pk


@pytest.mark.parametrize(
    ("kind", "value", "stored"),
    [
        ("phone", "138 0013 8000", "+8613800138000"),
        ("email", " A@B.CN ", "a@b.cn"),
        ("wechat", "abc_123", "abc_123"),
    ],
)
def test_contacts_are_stored_normalized(org, kind, value, stored):
    customer = won_customer(org.agent_a1)
    contact = linking.contact_add(customer=customer, kind=kind, value=value, by=org.agent_a1.user)
    assert contact.value == stored


def test_a_contact_another_customer_holds_is_refused_on_value(org):
    first = won_customer(org.agent_a1)
    second = won_customer(org.agent_a2)
    with pytest.raises(ValidationError) as error:
        linking.contact_add(
            customer=second, kind="phone", value=first.origin_lead.phone, by=org.agent_a2.user
        )
    assert "value" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        linking.contact_add(customer=second, kind="phone", value="12", by=org.agent_a2.user)
    assert "value" in error.value.message_dict
