"""Forms of the people pages: reviews, development plans, incentives, improvement plans.

Forms only parse; the rules (who may, which state) are the services'."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm import access
from crm.forms import DateInput, MonthField
from crm.models import MemberStatus, Role
from performance import access as performance_access

from .models import CoachingSession, EvaluationRating, ImprovementPlan, Incentive, PeriodKind
from .periods import period_containing

User = get_user_model()


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


def agents_of(user):
    """Agents the user manages (still with us), for the agent pickers."""
    members = (
        access.visible_members(user)
        .filter(role=Role.AGENT)
        .exclude(status=MemberStatus.LEFT)
        .exclude(user_id=user.pk)
    )
    return User.objects.filter(member__in=members).order_by("member__employee_no")


class _Bootstrap:
    def _style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault(
                "class",
                f"{css} form-control-sm" if css == "form-control" else f"{css} form-select-sm",
            )


class PeriodFields(forms.Form):
    period_kind = forms.ChoiceField(
        label=_("Period"), choices=PeriodKind.choices, initial=PeriodKind.MONTH
    )
    period_start = forms.DateField(label=_("Period start"), widget=DateInput())

    def period(self):
        data = self.cleaned_data
        return period_containing(data["period_kind"], data["period_start"])


class EvaluationOpenForm(_Bootstrap, PeriodFields):
    agent = AgentChoiceField(label=_("Agent"), queryset=User.objects.none(), required=False)
    team = forms.ModelChoiceField(label=_("or a whole team"), queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents_of(user)
        scope = access.scope_of(user)
        teams = access.visible_teams(user)
        if not scope.sees_all:
            teams = teams.filter(pk__in=scope.team_ids)
        self.fields["team"].queryset = teams.order_by("name")
        self.fields["period_start"].initial = timezone.localdate().replace(day=1)
        self._style()

    def clean(self):
        data = super().clean()
        if not data.get("agent") and not data.get("team"):
            raise forms.ValidationError(_("Choose an agent or a team."))
        return data


class RatingForm(_Bootstrap, forms.Form):
    kind = forms.ChoiceField(label=_("As"), choices=EvaluationRating.Kind.choices)
    score = forms.TypedChoiceField(
        label=_("Score"), coerce=int, choices=[(n, str(n)) for n in range(5, 0, -1)]
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [
                (value, label) for value, label in EvaluationRating.Kind.choices if value in kinds
            ]
        self._style()


class EvaluationCloseForm(_Bootstrap, forms.Form):
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class DevelopmentPlanForm(_Bootstrap, forms.Form):
    goals = forms.CharField(label=_("Goals"), widget=forms.Textarea(attrs={"rows": 2}))
    actions = forms.CharField(
        label=_("Actions"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput())
    courses = forms.ModelMultipleChoiceField(
        label=_("Courses"), queryset=None, required=False, widget=forms.SelectMultiple
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["courses"].queryset = performance_access.visible_plan_courses(user).order_by(
            "title"
        )
        self._style()


class IncentiveForm(_Bootstrap, forms.Form):
    agent = AgentChoiceField(label=_("Agent"), queryset=User.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=Incentive.Kind.choices)
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    period_start = MonthField(label=_("Month"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents_of(user)
        self.fields["period_start"].initial = timezone.localdate().replace(day=1)
        self._style()

    def period(self):
        return period_containing(PeriodKind.MONTH, self.cleaned_data["period_start"])


class DecisionForm(_Bootstrap, forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ImprovementPlanForm(_Bootstrap, forms.Form):
    agent = AgentChoiceField(label=_("Agent"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    goals = forms.CharField(label=_("Goals"), widget=forms.Textarea(attrs={"rows": 2}))
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput())
    due_on = forms.DateField(label=_("Due"), widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents_of(user)
        self.fields["starts_on"].initial = timezone.localdate()
        self._style()


class CoachingSessionForm(_Bootstrap, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CoachingSession.Kind.choices)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}))
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class ImprovementCloseForm(_Bootstrap, forms.Form):
    status = forms.ChoiceField(
        label=_("Result"),
        choices=[
            (value, label)
            for value, label in ImprovementPlan.Status.choices
            if value != ImprovementPlan.Status.OPEN
        ],
    )
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()
