"""The settings pages' forms: one ModelForm per kind of setting, with the words a
non-technical administrator needs (what an empty choice means, what a value looks like).
Validation is the model's own (`full_clean`), so its errors name the field, translated."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.models import RevisitPlan, TicketSLA
from calling.models import PauseCode
from crm.forms import DateInput, StyledForm
from crm.models import Role
from leads.models import (
    CallingWindow,
    Campaign,
    Channel,
    ConsentNotice,
    DispositionRule,
    Grade,
    LeadPolicy,
    RoutingRule,
    ScoringRule,
    TeamLeadSettings,
)
from orders.models import DiscountLimit, Product
from performance.models import Indicator, KpiWeight
from risk.models import RiskPolicy
from training.models import PromotionLevel

LEAVE_UNCHANGED = _("— leave unchanged —")


class Styled(StyledForm):
    """Bootstrap's classes on every widget (ticked lists are drawn by the template)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs.pop("class", None)


class RoutingRuleForm(Styled, forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = [
            "name",
            "order",
            "region",
            "product",
            "channel",
            "grades",
            "team",
            "match_agent_skills",
            "is_active",
        ]
        help_texts = {
            "order": _("Rules are tried from the lowest order up; the first that matches wins."),
            "region": _("Empty: any region. Matches when the lead's region contains this text."),
            "product": _("Empty: any product. Matches the lead's product exactly (any case)."),
            "channel": _("Empty: any channel."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = self.fields["team"].queryset.filter(is_active=True)
        self.fields["channel"].choices = [("", _("— any channel —")), *Channel.choices]

    def clean_grades(self) -> str:
        grades = self.cleaned_data["grades"].strip().upper()
        if any(grade not in Grade.values for grade in grades):
            raise forms.ValidationError(_("Only the letters A, B, C and D, e.g. AB."))
        return "".join(dict.fromkeys(grades))


class TryLeadForm(Styled, forms.Form):
    """A lead that is not captured, to see where the routing rules would send it."""

    region = forms.CharField(label=_("region"), max_length=100, required=False)
    product = forms.CharField(label=_("product of interest"), max_length=100, required=False)
    channel = forms.ChoiceField(label=_("channel"), choices=Channel.choices)
    grade = forms.ChoiceField(label=_("grade"), choices=Grade.choices)


class ScoringRuleForm(Styled, forms.ModelForm):
    class Meta:
        model = ScoringRule
        fields = ["name", "kind", "value", "points", "is_active"]
        help_texts = {
            "points": _("From -100 to 100; a lead's score is the sum of the rules it matches."),
        }


class DispositionRuleForm(Styled, forms.ModelForm):
    """What a follow-up's outcome does to the lead. An empty choice leaves that part alone."""

    class Meta:
        model = DispositionRule
        fields = [
            "disposition",
            "set_status",
            "retry_after_minutes",
            "return_to_pool_after",
            "cooloff_days",
            "requires_next_followup",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        status = self.fields["set_status"]
        status.choices = [("", LEAVE_UNCHANGED), *[c for c in status.choices if c[0]]]


class LeadPolicyForm(Styled, forms.ModelForm):
    class Meta:
        model = LeadPolicy
        fields = list(LeadPolicy.SETTINGS_FIELDS)
        help_texts = {
            "default_team": _("Leads no routing rule takes go here; empty: the center pool."),
            "max_attempts_per_day": _("Empty: no cap."),
            "max_attempts_per_week": _("Empty: no cap."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["default_team"]
        field.queryset = field.queryset.filter(is_active=True)
        field.empty_label = _("— none: the center pool —")

    def clean(self):
        data = super().clean()
        a, b, c = (data.get(f"grade_{g}_from") for g in "abc")
        if None not in (a, b, c) and not a > b > c:
            self.add_error(
                "grade_b_from",
                _("Grade thresholds must fall: A above B above C."),
            )
        return data


class TeamLeadSettingsForm(Styled, forms.ModelForm):
    class Meta:
        model = TeamLeadSettings
        fields = ["strategy", "reclaim_after_days"]
        help_texts = {
            "strategy": _(
                "Round-robin gives each agent a lead in turn; least loaded gives the next lead "
                "to the agent with the fewest open leads. Both skip agents at daily capacity."
            ),
        }


class CallingWindowForm(Styled, forms.ModelForm):
    class Meta:
        model = CallingWindow
        fields = ["name", "weekdays", "start", "end", "region", "timezone", "is_active"]
        widgets = {
            "start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start >= end:
            self.add_error("end", _("The end must be after the start."))
        weekdays = data.get("weekdays") or ""
        if weekdays and not all(day in "1234567" for day in weekdays):
            self.add_error("weekdays", _("Only the digits 1 (Monday) to 7 (Sunday), e.g. 12345."))
        return data


class CampaignForm(Styled, forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "channel", "starts_on", "ends_on", "is_active"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The campaign cannot end before it starts."))
        return data


class ConsentNoticeForm(Styled, forms.ModelForm):
    """A notice already cited by captures keeps its wording: only whether it applies and
    to which channel change; a new wording is a new version."""

    class Meta:
        model = ConsentNotice
        fields = ["version", "basis", "text", "channel", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.sources.exists():
            for name in ("version", "basis", "text"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "Cited by captures: add a new version to change the wording."
                )


class ProductForm(Styled, forms.ModelForm):
    class Meta:
        model = Product
        fields = ["sku", "name", "kind", "category", "list_price", "is_active", "description"]


class DiscountLimitForm(Styled, forms.ModelForm):
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)

    class Meta:
        model = DiscountLimit
        fields = ["role", "max_percent"]


class TicketSLAForm(Styled, forms.ModelForm):
    class Meta:
        model = TicketSLA
        fields = ["priority", "resolve_within_hours"]


class RevisitPlanForm(Styled, forms.ModelForm):
    class Meta:
        model = RevisitPlan
        fields = ["name", "days_after_delivery", "product_category", "is_active"]


class IndicatorForm(Styled, forms.ModelForm):
    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "family",
            "source",
            "unit",
            "higher_is_better",
            "description",
            "position",
            "is_active",
        ]


class KpiWeightForm(Styled, forms.ModelForm):
    class Meta:
        model = KpiWeight
        fields = ["indicator", "level", "weight"]


class PauseCodeForm(Styled, forms.ModelForm):
    class Meta:
        model = PauseCode
        fields = ["code", "name", "max_minutes", "sort_order", "active"]


class PromotionLevelForm(Styled, forms.ModelForm):
    class Meta:
        model = PromotionLevel
        fields = [
            "name",
            "rank",
            "description",
            "min_tenure_months",
            "required_courses",
            "scorecard_thresholds",
        ]
        widgets = {"required_courses": forms.CheckboxSelectMultiple}
        help_texts = {
            "scorecard_thresholds": _(
                'Minimum scorecard figures, e.g. {"total": 80}; empty braces {} for none.'
            ),
        }


class RiskPolicyForm(Styled, forms.ModelForm):
    full_number_roles = forms.MultipleChoiceField(
        label=_("roles that see full phone numbers"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Everyone else sees numbers masked, e.g. 139****0945."),
    )
    export_roles = forms.MultipleChoiceField(
        label=_("roles that may export"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = RiskPolicy
        fields = [
            "full_number_roles",
            "export_roles",
            "export_max_rows",
            "anomaly_factor",
            "anomaly_floor",
        ]


class RetentionForm(Styled, forms.Form):
    """How long one kind of personal data is kept; saved by `risk.services.retention_policy_set`."""

    days = forms.IntegerField(label=_("days kept"), min_value=1, max_value=36500)
    enabled = forms.BooleanField(
        label=_("purge when older"),
        required=False,
        help_text=_("Off: this kind is kept for good."),
    )
