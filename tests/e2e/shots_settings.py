"""Screenshots of the settings pages (not a test of the suite; run by hand)."""

import datetime as dt
from decimal import Decimal

import pytest

from leads.models import CallingWindow, Lead, RoutingRule, ScoringRule
from tests.e2e.test_journeys import signed_in

pytestmark = pytest.mark.django_db(transaction=True)
OUT = "/work/wt/shots/settings"


def test_shots(page, live_server, org):
    RoutingRule.objects.create(name="上海线索", order=1, region="上海", team=org.team_a, grades="AB")
    RoutingRule.objects.create(name="其余线索", order=9, team=org.team_b)
    CallingWindow.objects.create(name="工作日", start=dt.time(9), end=dt.time(18))
    for i in range(12):
        Lead.objects.create(phone=f"+86138000{i:05d}", channel="web_form" if i % 2 else "referral",
                            intent="high" if i % 3 == 0 else "low", budget=Decimal(i * 10000))
    from leads.services import followups
    from leads.services.capture.scoring import scoring_rules_install_defaults

    followups.disposition_rules_install_defaults()
    scoring_rules_install_defaults()
    for member, name in ((org.admin, "admin"), (org.south_head, "head")):
        page.context.clear_cookies()
        signed_in(page, member, live_server)
        page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
        urls = {"home": "/settings/", "team-leads": "/settings/team-leads/"}
        if name == "admin":
            urls.update({
                "routing": "/settings/routing/?try=1&region=上海&channel=web_form&grade=A",
                "scoring": "/settings/scoring/",
                "dispositions-edit": f"/settings/dispositions/{__import__('leads.models', fromlist=['DispositionRule']).DispositionRule.objects.first().pk}/",
                "lead-policy": "/settings/lead-policy/",
                "risk-policy": "/settings/risk-policy/",
                "calling-windows": "/settings/calling-windows/",
                "scoring-edit": f"/settings/scoring/{ScoringRule.objects.first().pk}/",
            })
        for width in (1440, 390):
            page.set_viewport_size({"width": width, "height": 900})
            for key, url in urls.items():
                page.goto(live_server.url + url)
                page.screenshot(path=f"{OUT}/{name}-{key}-{width}.png", full_page=True)
