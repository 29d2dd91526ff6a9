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
