"""Built-in indicator names in the reader's language; an admin's own name as written.

The names are data (migration 0002) that admins may change: while a built-in keeps the
name it was created with, pages, downloads and the API show it translated.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from performance.labels import BUILTIN_NAMES, builtin_label, indicator_label
from performance.models import Indicator, Scorecard
from performance.services.scorecards import recompute_scorecards
from tests.performance.factories import default_indicators

from .scorecard_data import MARCH, build_march

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _indicators(db):
    default_indicators()


def test_every_built_in_has_a_translation_and_matches_the_migration():
    from importlib import import_module

    created = [
        *import_module("performance.migrations.0002_default_indicators").DEFAULTS,
        ("cash_collected", "Cash collected"),  # migration 0005 (money)
        *import_module("performance.migrations.0005_state_indicators").DEFAULTS,
    ]
    assert {code: name for code, name, *_rest in created} == {
        code: english for code, (english, _label) in BUILTIN_NAMES.items()
    }
    with translation.override("zh-hans"):
        untranslated = [code for code in BUILTIN_NAMES if builtin_label(code).isascii()]
    assert not untranslated


def test_a_built_in_name_is_translated_and_a_renamed_one_is_not():
    sales = Indicator.objects.get(code="sales_amount")
    with translation.override("zh-hans"):
        assert sales.label == str(sales) == "销售额"
    with translation.override("en"):
        assert sales.label == "Sales amount"
    sales.name = "回款金额"
    with translation.override("en"):
        assert sales.label == "回款金额"
    assert indicator_label(code="custom", name="我的指标") == "我的指标"


@pytest.fixture
def march(org):
    data = build_march(org)
    recompute_scorecards(period=MARCH)
    return data


def test_scorecard_and_drilldown_pages_show_chinese_names(march, client_as):
    org = march.org
    card = Scorecard.objects.get(period_kind="month", period_start=MARCH.start, team=org.team_a)
    client = client_as(org.manager_a)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("performance:scorecard_detail", args=[card.pk])).content.decode()
    assert "转化率" in page and "Conversion rate" not in page
    drill = client.get(reverse("performance:scorecard_drilldown", args=[card.pk, "calls"]))
    assert re.search(r'<h1 class="[^"]*">通话量', drill.content.decode())


def test_the_api_adds_the_label(march, api_as):
    client = api_as(march.org.admin)
    rows = client.get("/api/performance/indicators/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    rows = rows.get("results", rows)
    sales = next(row for row in rows if row["code"] == "sales_amount")
    assert sales["name"] == "Sales amount" and sales["label"] == "销售额"


def test_training_thresholds_name_the_indicator_in_words():
    from training.services.promotions import _thresholds

    class Level:
        scorecard_thresholds = {"conversion": 8, "total": 60}

    with translation.override("zh-hans"):
        checks = {check["code"]: check["name"] for check in _thresholds(Level, {})}
    assert checks["conversion"] == "转化率"
    assert not checks["total"].isascii()
