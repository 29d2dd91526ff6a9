"""Forms for the org pages: they parse and validate; `crm.services` acts."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .models import Department, LeaveReason, Member, MemberStatus, Role, Skill, Team
from .services import team_manager_candidates

User = get_user_model()


class DateInput(forms.DateInput):
    """`<input type=date>`, its value always ISO 8601 (`2026-12-01`) as browsers require.

    Django would otherwise format it in the user's language (`2026/12/01` in Chinese),
    which the browser rejects, leaving the field empty.
    """

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format=format or "%Y-%m-%d")


class MonthInput(forms.DateInput):
    """`<input type=month>` with an ISO value (`2026-12`)."""

    input_type = "month"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format=format or "%Y-%m")


class MonthField(forms.DateField):
    """A month picker whose value is the first day of the month chosen.

    Takes `2026-12` (what `type=month` posts) and, from browsers without a month picker
    or older clients, any ISO day of the month (`2026-12-15`).
    """

    widget = MonthInput
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("placeholder", "YYYY-MM")
        self.widget.attrs.setdefault("pattern", r"\d{4}-\d{2}(-\d{2})?")

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class StyledForm:
    """Give every widget Bootstrap's classes, so templates render fields plainly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class LongSelect(forms.Select):
    """A `<select>` of hundreds of options (a center's agents) written in one pass.

    Django's Select renders each option through its own template include, about 0.1 ms an
    option: a center head's team page has two selects of 472 agents. Same markup, flat
    choices only (no option groups, no per-option attributes)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        selected = mark_safe(" selected")
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((key, selected if str(key) in chosen else "", label) for key, label in self.choices),
        )
        final = self.build_attrs(self.attrs, attrs)
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final), options)


class _UserChoices(forms.models.ModelChoiceIterator):
    """The users' labels read as values, not as model instances (hundreds on a page)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = self.queryset.values_list("pk", "first_name", "last_name", "username")
        for pk, first, last, username in rows:
            yield (pk, f"{f'{first} {last}'.strip() or username} ({username})")


class UserChoiceField(forms.ModelChoiceField):
    """A user by name and username; `label_from_instance` and `_UserChoices` agree."""

    widget = LongSelect
    iterator = _UserChoices

    def label_from_instance(self, obj):
        return f"{obj.get_full_name() or obj.username} ({obj.username})"


def _staff_users():
    return User.objects.filter(is_active=True, member__isnull=False).order_by("member__employee_no")


class DepartmentForm(StyledForm, forms.ModelForm):
    head = UserChoiceField(queryset=_staff_users(), required=False, label=_("head"))

    class Meta:
        model = Department
        fields = ["name", "kind", "parent", "head"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["head"].queryset = _staff_users()
        parents = Department.objects.order_by("path")
        if self.instance.pk:
            parents = parents.exclude(path__startswith=self.instance.path)
        self.fields["parent"].queryset = parents


class TeamForm(StyledForm, forms.ModelForm):
    """A team. Its manager is chosen among those who can manage (team managers and
    department heads, see `crm.services.team_manager_candidates`), plus whoever manages
    it now, so an unrelated edit is not refused; the service checks the choice again."""

    manager = UserChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("manager"),
        help_text=_(
            "Team managers and department heads. To make an agent a manager, change their "
            "role on their profile first."
        ),
    )

    class Meta:
        model = Team
        fields = ["name", "department", "manager", "target_size", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        candidates = team_manager_candidates()
        if self.instance.manager_id:
            candidates = candidates | User.objects.filter(pk=self.instance.manager_id)
        self.fields["manager"].queryset = candidates.distinct().order_by("member__employee_no")
        self.fields["department"].queryset = Department.objects.order_by("path")


class MemberCreateForm(StyledForm, forms.Form):
    full_name = forms.CharField(label=_("full name"), max_length=150)
    username = forms.RegexField(
        label=_("username"),
        regex=r"^[\w.@+-]+\Z",
        max_length=150,
        help_text=_("Letters, digits and @/./+/-/_ only."),
    )
    password = forms.CharField(
        label=_("initial password"), widget=forms.PasswordInput, min_length=8
    )
    email = forms.EmailField(label=_("email"), required=False)
    employee_no = forms.CharField(label=_("employee number"), max_length=30)
    role = forms.ChoiceField(label=_("role"), choices=Role.choices, initial=Role.AGENT)
    team = forms.ModelChoiceField(label=_("team"), queryset=Team.objects.none(), required=False)
    status = forms.ChoiceField(
        label=_("status"),
        choices=[c for c in MemberStatus.choices if c[0] != MemberStatus.LEFT],
        initial=MemberStatus.ONBOARDING,
    )
    hire_date = forms.DateField(
        label=_("hire date"),
        initial=timezone.localdate,
        widget=DateInput(),
    )
    extension = forms.CharField(label=_("phone extension"), max_length=20, required=False)
    daily_lead_capacity = forms.IntegerField(
        label=_("daily lead capacity"), min_value=0, max_value=1000, initial=30
    )
    skills = forms.ModelMultipleChoiceField(
        label=_("skills"), queryset=Skill.objects.all(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(is_active=True).select_related(
            "department"
        )

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError(_("This username is already taken."))
        return username

    def clean_employee_no(self):
        employee_no = self.cleaned_data["employee_no"]
        if Member.objects.filter(employee_no=employee_no).exists():
            raise forms.ValidationError(_("This employee number is already used."))
        return employee_no


def _confirm_field(help_text) -> forms.BooleanField:
    return forms.BooleanField(
        label=_("Yes, I mean to change this for myself"), required=False, help_text=help_text
    )


class MemberProfileForm(StyledForm, forms.ModelForm):
    full_name = forms.CharField(label=_("full name"), max_length=150)
    email = forms.EmailField(label=_("email"), required=False)
    # On your own profile only: a change of your own role is refused without it.
    confirm = _confirm_field(_("Changing your own role changes your access at once."))

    class Meta:
        model = Member
        fields = ["role", "employee_no", "extension", "hire_date", "daily_lead_capacity", "skills"]
        widgets = {"hire_date": DateInput()}

    def __init__(self, *args, is_self: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not is_self:
            del self.fields["confirm"]
        self.fields["full_name"].initial = self.instance.user.first_name
        self.fields["email"].initial = self.instance.user.email


class MemberMoveForm(StyledForm, forms.Form):
    team = forms.ModelChoiceField(
        label=_("new team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("(no team)"),
    )
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)
    # When moving yourself only: the move is refused without it.
    confirm = _confirm_field(_("Moving yourself changes what you see and manage at once."))

    def __init__(self, *args, member: Member, is_self: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not is_self:
            del self.fields["confirm"]
        self.fields["team"].queryset = (
            Team.objects.filter(is_active=True)
            .exclude(pk=member.team_id)
            .select_related("department")
        )


class MemberStatusForm(StyledForm, forms.Form):
    status = forms.ChoiceField(label=_("new status"), choices=MemberStatus.choices)
    leave_date = forms.DateField(label=_("leave date"), required=False, widget=DateInput())
    leave_reason = forms.ChoiceField(
        label=_("leave reason"), choices=[("", "---------"), *LeaveReason.choices], required=False
    )
    note = forms.CharField(
        label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    # Set by the hand-over preview's confirm button: a leave that hands work over is
    # shown first (what goes to whom), then confirmed.
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("status") == MemberStatus.LEFT:
            if not data.get("leave_date"):
                self.add_error("leave_date", _("A leave date is required."))
            if not data.get("leave_reason"):
                self.add_error("leave_reason", _("A leave reason is required."))
        return data


class PasswordChangeForm(StyledForm, auth_forms.PasswordChangeForm):
    pass
