"""Forms of the order pages: they parse and validate; `orders.services` acts."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm import access
from crm.forms import DateInput, StyledForm, UserChoiceField
from crm.models import Role

from .models import Approval, OrderStatus, PaymentKind, PaymentMethod, PaymentTerms, Product

User = get_user_model()


class OrderFilterForm(StyledForm, forms.Form):
    q = forms.CharField(label=_("Order number"), required=False, max_length=30)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *OrderStatus.choices]
    )
    approval = forms.ChoiceField(
        label=_("Discount approval"), required=False, choices=[("", _("All")), *Approval.choices]
    )
    agent = UserChoiceField(queryset=User.objects.none(), required=False, label=_("Agent"))
    created_from = forms.DateField(label=_("Created from"), required=False, widget=DateInput())
    created_to = forms.DateField(label=_("Created until"), required=False, widget=DateInput())
    overdue = forms.BooleanField(label=_("Delivery overdue"), required=False)

    def __init__(self, *args, user, with_agent: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_agent:
            self.fields["agent"].queryset = (
                User.objects.filter(
                    member__in=access.visible_members(user),
                    member__role__in=[Role.AGENT, Role.TEAM_MANAGER],
                )
                .select_related("member")
                .order_by("member__employee_no")
            )
        else:
            del self.fields["agent"]

    def filters(self) -> dict:
        """The cleaned filters, or none when the query string is invalid."""
        return self.cleaned_data if self.is_valid() else {}


class OrderDetailsForm(StyledForm, forms.Form):
    payment_terms = forms.ChoiceField(label=_("Payment terms"), choices=PaymentTerms.choices)
    delivery_address = forms.CharField(
        label=_("Delivery address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    expected_delivery_on = forms.DateField(
        label=_("Expected delivery"),
        required=False,
        widget=DateInput(),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_expected_delivery_on(self):
        value = self.cleaned_data.get("expected_delivery_on")
        if value and value < timezone.localdate():
            raise forms.ValidationError(_("The expected delivery date cannot be in the past."))
        return value


class OrderLineForm(StyledForm, forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.none(), required=False
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=100_000, initial=1)
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("Empty: the list price."),
    )
    discount = forms.DecimalField(
        label=_("Discount"), required=False, min_value=0, max_digits=12, decimal_places=2
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True).order_by(
            "category", "name"
        )
        self.fields["quantity"].required = False

    def line(self) -> dict | None:
        """The line for the service, or None for an empty row of the formset."""
        data = self.cleaned_data
        if not data or not data.get("product"):
            return None
        return {
            "product": data["product"],
            "quantity": data.get("quantity") or 1,
            "unit_price": data.get("unit_price"),
            "discount": data.get("discount") or 0,
        }


class BaseLineFormSet(forms.BaseFormSet):
    def lines(self) -> list[dict]:
        return [line for form in self.forms if (line := form.line()) is not None]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.lines():
            raise forms.ValidationError(_("Add at least one product."))


OrderLineFormSet = forms.formset_factory(
    OrderLineForm, formset=BaseLineFormSet, extra=3, max_num=50, validate_max=True
)


class ReasonForm(forms.Form):
    reason = forms.CharField(required=False, max_length=1000)


class MoveForm(ReasonForm):
    tracking_number = forms.CharField(required=False, max_length=100)
    paid = forms.BooleanField(required=False)


# --- money received -----------------------------------------------------------------------


class PaymentForm(StyledForm, forms.Form):
    """Record money received (or, with `kind` refund, paid back) on an order."""

    kind = forms.ChoiceField(label=_("Kind"), choices=PaymentKind.choices, initial="payment")
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2)
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())
    reference = forms.CharField(label=_("Reference"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = timezone.localdate()


class InstallmentRowForm(StyledForm, forms.Form):
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DateInput())
    amount = forms.DecimalField(label=_("Amount"), required=False, max_digits=12, decimal_places=2)

    def row(self):
        data = self.cleaned_data
        if not data or (data.get("due_on") is None and data.get("amount") is None):
            return None
        return (data.get("due_on"), data.get("amount"))


class BaseInstallmentFormSet(forms.BaseFormSet):
    def rows(self) -> list:
        return [row for form in self.forms if (row := form.row()) is not None]


InstallmentFormSet = forms.formset_factory(
    InstallmentRowForm, formset=BaseInstallmentFormSet, extra=2, max_num=60, validate_max=True
)


class ReceivablesForm(StyledForm, forms.Form):
    by = forms.ChoiceField(
        label=_("Per"),
        required=False,
        choices=[("agent", _("Agent")), ("team", _("Team")), ("department", _("Department"))],
    )
