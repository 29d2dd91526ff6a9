"""Forms of the team and pool pages: they parse and validate; the services act."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from crm import access
from crm.forms import StyledForm, UserChoiceField
from crm.models import MemberStatus, Role

from ..models import Campaign, Channel, Grade, LeadStatus
from ..services.bulk import Selection

User = get_user_model()


def _agents_of(user):
    """Agents the user may see and hand leads to (active, not onboarding)."""
    return (
        User.objects.filter(
            member__in=access.visible_members(user),
            member__role=Role.AGENT,
            member__status=MemberStatus.ACTIVE,
            is_active=True,
        )
        .select_related("member")
        .order_by("member__employee_no")
    )


class TeamLeadFilterForm(StyledForm, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    agent = UserChoiceField(queryset=User.objects.none(), required=False, label=_("Agent"))
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *LeadStatus.choices]
    )
    grade = forms.ChoiceField(
        label=_("Grade"), required=False, choices=[("", _("All")), *Grade.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All")), *Channel.choices]
    )
    region = forms.CharField(label=_("Region"), required=False, max_length=100)
    overdue = forms.BooleanField(label=_("Follow-up overdue"), required=False)
    pool = forms.BooleanField(label=_("Unassigned only"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = User.objects.filter(
            member__in=access.visible_members(user), member__role=Role.AGENT
        ).order_by("member__employee_no")

    def filters(self) -> dict:
        """The cleaned filters, or none when the query string is invalid."""
        return self.cleaned_data if self.is_valid() else {}


class LeadIdsField(forms.Field):
    """The ticked rows of a list: numbers only. Whether the user may touch those leads is
    the service's question (through `crm.access`), not the form's."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Choose at least one lead."),
        "invalid": _("Unknown lead."),
    }

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        try:
            return sorted({int(v) for v in value})
        except (TypeError, ValueError) as error:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from error


class ReassignForm(StyledForm, forms.Form):
    lead_ids = LeadIdsField(label=_("Leads"))
    agent = UserChoiceField(queryset=User.objects.none(), label=_("Give to"))
    reason = forms.CharField(label=_("Why"), max_length=300)

    def __init__(self, *args, user, **kwargs):
        # The filter form above it on the page has an "agent" field too: distinct ids.
        kwargs.setdefault("auto_id", "reassign_%s")
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = _agents_of(user)


BULK_ACTIONS = [
    ("reassign", _("Reassign to an agent")),
    ("release", _("Release to the pool")),
    ("followup", _("Set the next follow-up")),
    ("campaign", _("Set the campaign")),
]

# What each action needs besides the leads.
_ACTION_FIELDS = {
    "reassign": ("agent", "reason"),
    "release": ("reason",),
    "followup": ("next_followup_at",),
    "campaign": ("campaign",),
}


class BulkActionForm(StyledForm, forms.Form):
    """The team page's bulk bar: which leads (ticked ids, or "all matching" the filters in
    `query`, re-run by the service) and what to do with them.

    "All matching" carries the page's query string, not ids: it is parsed here with the
    page's own filter form, and refused when the filters are no longer valid (an agent
    out of scope, say) rather than falling back to "no filter", which would be every
    lead the manager sees.
    """

    action = forms.ChoiceField(label=_("Action"), choices=BULK_ACTIONS, initial="reassign")
    lead_ids = LeadIdsField(label=_("Leads"), required=False)
    all_matching = forms.BooleanField(required=False, widget=forms.HiddenInput)
    query = forms.CharField(required=False, widget=forms.HiddenInput)
    agent = UserChoiceField(queryset=User.objects.none(), label=_("Give to"), required=False)
    reason = forms.CharField(label=_("Why"), max_length=300, required=False)
    next_followup_at = forms.DateTimeField(
        label=_("Next follow-up"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.none(), required=False
    )

    def __init__(self, *args, user, **kwargs):
        # The filter form above it on the page has an "agent" field too: distinct ids.
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["agent"].queryset = _agents_of(user)
        self.fields["campaign"].queryset = Campaign.objects.filter(is_active=True).order_by("name")

    def clean(self):
        data = super().clean()
        action = data.get("action")
        for name in _ACTION_FIELDS.get(action, ()):
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, forms.Field.default_error_messages["required"])
        if data.get("all_matching"):
            filters = TeamLeadFilterForm(QueryDict(data.get("query") or ""), user=self.user)
            if not filters.is_valid():
                self.add_error(
                    "all_matching",
                    _("The filters are not valid any more; filter the list again."),
                )
            else:
                data["filters"] = filters.cleaned_data
        elif not data.get("lead_ids") and "lead_ids" not in self.errors:
            self.add_error("lead_ids", _("Choose at least one lead."))
        return data

    def selection(self) -> Selection:
        data = self.cleaned_data
        if data.get("all_matching"):
            return Selection(filters=data["filters"])
        return Selection(lead_ids=tuple(data["lead_ids"]))


class ReleaseForm(StyledForm, forms.Form):
    reason = forms.CharField(label=_("Why do you release this lead?"), max_length=300)


class PoolFilterForm(StyledForm, forms.Form):
    grade = forms.ChoiceField(
        label=_("Grade"), required=False, choices=[("", _("All")), *Grade.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All")), *Channel.choices]
    )
    region = forms.CharField(label=_("Region"), required=False, max_length=100)
    product = forms.CharField(label=_("Product"), required=False, max_length=100)

    def filters(self) -> dict:
        return self.cleaned_data if self.is_valid() else {}
