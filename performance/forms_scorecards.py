"""Forms of the scorecard pages: the period picker, the targets grid, the quality rubric."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms import DateInput

from .models import PeriodKind
from .periods import current_period, parse_period

RUBRIC_CHOICES = [(n, str(n)) for n in range(1, 6)]


class PeriodForm(forms.Form):
    period_kind = forms.ChoiceField(
        label=_("Period"), choices=PeriodKind.choices, required=False, initial=PeriodKind.MONTH
    )
    period_start = forms.DateField(label=_("Starting"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{css} form-select-sm form-control-sm"

    def period(self):
        """The chosen period (the current month when nothing or something invalid is given)."""
        if not self.is_valid():
            return current_period()
        try:
            return parse_period(
                self.cleaned_data.get("period_kind") or PeriodKind.MONTH,
                self.cleaned_data.get("period_start"),
            )
        except ValueError:
            return current_period()


class TargetsForm(forms.Form):
    """One number per (subject, indicator); an empty box removes the target."""

    def __init__(self, *args, subjects, indicators, initial_values, **kwargs):
        super().__init__(*args, **kwargs)
        self.subjects = list(subjects)
        self.indicators = list(indicators)
        self.grid = []
        for subject in self.subjects:
            row = []
            for indicator in self.indicators:
                name = f"t_{subject.pk}_{indicator.pk}"
                self.fields[name] = forms.DecimalField(
                    label=f"{subject} · {indicator.label}",
                    required=False,
                    min_value=0,
                    max_digits=16,
                    decimal_places=4,
                    initial=initial_values.get((subject.pk, indicator.pk)),
                    widget=forms.NumberInput(
                        attrs={"class": "form-control form-control-sm", "step": "any"}
                    ),
                )
                row.append(name)
            self.grid.append((subject, [self[name] for name in row]))

    def rows(self):
        """(subject id, indicator, value or None) for every box."""
        for subject in self.subjects:
            for indicator in self.indicators:
                yield subject.pk, indicator, self.cleaned_data.get(f"t_{subject.pk}_{indicator.pk}")


class QualityScoreForm(forms.Form):
    professionalism = forms.TypedChoiceField(
        label=_("Professionalism"), choices=RUBRIC_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    communication = forms.TypedChoiceField(
        label=_("Communication"), choices=RUBRIC_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    problem_solving = forms.TypedChoiceField(
        label=_("Problem solving"), choices=RUBRIC_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class ChannelReportForm(forms.Form):
    """The channel report's span (inclusive days) and grouping; the month to date when
    nothing or something invalid is given."""

    MAX_DAYS = 3 * 366

    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    by = forms.ChoiceField(
        label=_("Per"),
        required=False,
        choices=[("channel", _("Channel")), ("campaign", _("Campaign")), ("product", _("Product"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{css} form-select-sm form-control-sm"

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end comes before the start."))
            elif (end - start).days > self.MAX_DAYS:
                self.add_error("end", _("At most three years at once."))
        return data

    def span(self, today):
        """(start, end, by): the valid choice, else the month to date by channel."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end.replace(day=1)
        if start > end:
            start = end.replace(day=1)
        return start, end, data.get("by") or "channel"


class ProductTargetForm(forms.Form):
    """One team's sales target for one product in one month (0 removes it)."""

    team = forms.ModelChoiceField(label=_("Team"), queryset=None)
    product = forms.ModelChoiceField(label=_("Product"), queryset=None)
    month = forms.DateField(label=_("Month"), widget=DateInput())
    amount = forms.DecimalField(label=_("Sales target"), max_digits=14, decimal_places=2)

    def __init__(self, *args, teams=None, products=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["product"].queryset = products
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{css} form-select-sm form-control-sm"
