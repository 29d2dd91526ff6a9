"""Dates that work in every language: `<input type=date>` values are ISO, months are months.

A browser accepts only `2026-12-01` in a date input; Django would write the user's format
(`2026/12/01` in Chinese), the browser would drop it and a required field would be empty.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import re

import pytest
from django import forms
from django.utils import timezone, translation

from crm.forms import DateInput, MonthField, MonthInput

APPS = ("crm", "leads", "orders", "aftersales", "performance", "training", "risk")
DEC_1 = dt.date(2026, 12, 1)


@pytest.fixture(params=["zh-hans", "en"])
def language(request):
    with translation.override(request.param):
        yield request.param


def test_a_date_input_is_iso_in_every_language(language):
    html = DateInput().render("day", DEC_1)
    assert 'type="date"' in html
    assert 'value="2026-12-01"' in html


def test_a_month_input_shows_the_month(language):
    html = MonthInput().render("month", DEC_1)
    assert 'type="month"' in html
    assert 'value="2026-12"' in html


@pytest.mark.parametrize(
    ("typed", "month"),
    [
        ("2026-12", DEC_1),
        ("2026-12-01", DEC_1),
        ("2026-12-15", DEC_1),
        ("2027-02", dt.date(2027, 2, 1)),
    ],
)
def test_a_month_field_answers_the_first_day(typed, month):
    assert MonthField().clean(typed) == month


@pytest.mark.parametrize("typed", ["12/2026", "2026-13", "december", "2026/12/01"])
def test_a_month_field_refuses_what_is_not_a_month(typed):
    with pytest.raises(forms.ValidationError):
        MonthField().clean(typed)


def test_a_bound_month_field_shows_what_was_typed_back():
    class Form(forms.Form):
        month = MonthField()

    form = Form(data={"month": "2026-1x"})
    assert not form.is_valid()
    assert 'value="2026-1x"' in str(form["month"])


def _form_classes():
    for app in APPS:
        package = importlib.import_module(app)
        names = [app] + [
            info.name
            for info in pkgutil.walk_packages(package.__path__, f"{app}.")
            if ".migrations" not in info.name
            and ".settings" not in info.name
            and ".management" not in info.name
        ]
        for name in names:
            module = importlib.import_module(name)
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__ == name:
                    yield cls


def test_every_date_field_of_every_form_uses_the_iso_widgets():
    wrong = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in _form_classes()
        for name, field in getattr(cls, "base_fields", {}).items()
        if type(field) is forms.DateField and not isinstance(field.widget, DateInput | MonthInput)
    ]
    assert not wrong, "date fields without crm.forms.DateInput:\n" + "\n".join(wrong)


@pytest.mark.django_db
def test_the_incentive_form_offers_a_month_prefilled_in_chinese(client_as, org):
    client = client_as(org.manager_a)
    with translation.override("zh-hans"):
        page = client.get("/performance/incentives/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    tag = re.search(r'<input[^>]*name="period_start"[^>]*>', page.content.decode()).group(0)
    assert 'type="month"' in tag
    assert f'value="{timezone.localdate():%Y-%m}"' in tag
