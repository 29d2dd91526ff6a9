"""Forms of the training pages: they parse input; `training.services` acts."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm import access
from crm.forms import StyledForm
from crm.models import MemberStatus, Role
from training import access as training_access

from .models import CaseOutcome, Course, EnrollmentStatus, PromotionLevel, ScriptStage, Session
from .uploads import allowed_extensions

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CourseForm(StyledForm, forms.ModelForm):
    class Meta:
        model = Course
        fields = [
            "kind",
            "title",
            "description",
            "required_for_onboarding",
            "has_exam",
            "pass_mark",
            "certificate_valid_months",
            "active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        if data.get("has_exam") and data.get("pass_mark") is None:
            self.add_error("pass_mark", _("A course with an exam needs a pass mark."))
        if data.get("required_for_onboarding") and data.get("kind") != "onboarding":
            self.add_error(
                "required_for_onboarding", _("Only onboarding courses are required for onboarding.")
            )
        return data


class SessionForm(StyledForm, forms.ModelForm):
    starts_at = forms.DateTimeField(label=_("starts at"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("ends at"), widget=DATETIME)
    link = forms.URLField(label=_("meeting link"), required=False, assume_scheme="https")

    class Meta:
        model = Session
        fields = ["starts_at", "ends_at", "trainer", "place", "link"]


class MaterialForm(StyledForm, forms.Form):
    file = forms.FileField(
        label=_("file"),
        help_text=_("Allowed: %(types)s.") % {"types": allowed_extensions()},
    )


class EnrollForm(StyledForm, forms.Form):
    course = forms.ModelChoiceField(label=_("course"), queryset=Course.objects.none())
    session = forms.ModelChoiceField(
        label=_("session"), queryset=Session.objects.none(), required=False
    )
    members = forms.ModelMultipleChoiceField(
        label=_("agents"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    team = forms.ModelChoiceField(label=_("or a whole team"), queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = training_access.visible_courses(user).filter(active=True)
        self.fields["session"].queryset = training_access.visible_training_sessions(
            user
        ).select_related("course")
        self.fields["members"].queryset = (
            access.visible_members(user)
            .filter(role=Role.AGENT)
            .exclude(status=MemberStatus.LEFT)
            .select_related("user")
        )
        self.fields["team"].queryset = access.visible_teams(user)

    def clean(self):
        data = super().clean()
        if not data.get("members") and not data.get("team"):
            raise forms.ValidationError(_("Choose agents or a team."))
        return data


class ResultForm(StyledForm, forms.Form):
    attended = forms.TypedChoiceField(
        label=_("attendance"),
        choices=[("1", _("Attended")), ("0", _("Absent"))],
        coerce=lambda value: value == "1",
        initial="1",
    )
    score = forms.IntegerField(label=_("score"), min_value=0, max_value=100, required=False)


class EnrollmentFilterForm(StyledForm, forms.Form):
    status = forms.ChoiceField(
        label=_("status"), choices=[("", _("All")), *EnrollmentStatus.choices], required=False
    )


class ProposalForm(StyledForm, forms.Form):
    member = forms.ModelChoiceField(label=_("agent"), queryset=None)
    to_level = forms.ModelChoiceField(label=_("to level"), queryset=PromotionLevel.objects.all())
    reasons = forms.CharField(label=_("reasons"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            access.visible_members(user)
            .filter(role=Role.AGENT)
            .exclude(status=MemberStatus.LEFT)
            .select_related("user")
        )


class DecisionForm(StyledForm, forms.Form):
    note = forms.CharField(label=_("note"), required=False, max_length=2000)


class ActivateForm(StyledForm, forms.Form):
    reason = forms.CharField(label=_("reason"), required=False, max_length=300)


class ScriptForm(StyledForm, forms.Form):
    product = forms.CharField(
        label=_("product"),
        required=False,
        max_length=100,
        help_text=_("As written on leads; empty for the general script."),
    )
    stage = forms.ChoiceField(label=_("stage"), choices=ScriptStage.choices)
    title = forms.CharField(label=_("title"), max_length=200)
    body = forms.CharField(label=_("script"), widget=forms.Textarea(attrs={"rows": 8}))


class CaseForm(StyledForm, forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    outcome = forms.ChoiceField(label=_("outcome"), choices=CaseOutcome.choices)
    body = forms.CharField(label=_("what happened"), widget=forms.Textarea(attrs={"rows": 6}))
    lessons = forms.CharField(
        label=_("lessons"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    tags = forms.CharField(
        label=_("tags"), required=False, max_length=300, help_text=_("Separated by commas.")
    )
    lead = forms.IntegerField(label=_("lead number"), required=False, min_value=1)


class CaseFilterForm(StyledForm, forms.Form):
    q = forms.CharField(label=_("search"), required=False, max_length=100)
    tag = forms.CharField(label=_("tag"), required=False, max_length=30)
    outcome = forms.ChoiceField(
        label=_("outcome"), choices=[("", _("All")), *CaseOutcome.choices], required=False
    )
    featured = forms.BooleanField(label=_("featured for my team"), required=False)


class CommentForm(StyledForm, forms.Form):
    body = forms.CharField(label=_("comment"), widget=forms.Textarea(attrs={"rows": 2}))


class FeatureForm(StyledForm, forms.Form):
    team = forms.ModelChoiceField(label=_("team"), queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = access.visible_teams(user)
