"""Phone masking: an agent reads no customer's full number through ANY endpoint unless
they reveal it (logged); the roles the risk policy names see full numbers; a search by
the full number still finds the lead but shows it masked; exports mask too.

The API walk is generic: every list route of the API (`*-list` in the URL conf) and the
detail of every row it returns, plus the lead actions that read (timeline), are fetched
as the agent, and no form of any lead's number may appear in any response.
"""

import datetime as dt

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from leads.models import ImportRow
from leads.services import followups
from risk.models import PhoneReveal, RiskPolicy
from tests.leads.factories import (
    CallFactory,
    FollowUpFactory,
    ImportJobFactory,
    ImportRowFactory,
    LeadFactory,
)

pytestmark = pytest.mark.django_db

OWN = "+8613912340001"
POOLED = "+8613912340002"


def forms_of(e164: str) -> list[str]:
    national = e164.removeprefix("+86")
    return [e164, national, f"{national[:3]} {national[3:7]} {national[7:]}"]


@pytest.fixture
def world(org):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a, phone=OWN, name="客户甲")
    LeadFactory(team=org.team_a, phone=POOLED)  # in the agent's team pool
    call = CallFactory(lead=lead, direction="outbound", caller="8001", callee=OWN)
    FollowUpFactory(lead=lead, call=call, channel="phone", disposition="reached")
    followups.call_record(
        caller=OWN, callee="8001", extension="8001", direction="inbound",
        started_at=timezone.now() - dt.timedelta(minutes=5), duration_seconds=20,
        source="pbx", external_id="walk-1",
    )  # fmt: skip
    job = ImportJobFactory(created_by=org.agent_a1.user)
    ImportRowFactory(job=job, outcome=ImportRow.Outcome.DUPLICATE, lead=lead, row_number=2)
    return lead


def _api_list_names() -> list[str]:
    names = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif (
                isinstance(pattern, URLPattern)
                and (pattern.name or "").endswith("-list")
                and prefix.startswith("api/")
            ):
                names.append(pattern.name)

    walk(get_resolver().url_patterns)
    return sorted(set(names))


def _walk(client) -> dict[str, str]:
    """Every list as the client sees it, and the detail of every row listed."""
    seen: dict[str, str] = {}
    for name in _api_list_names():
        url = reverse(name)
        response = client.get(url)
        seen[url] = response.content.decode()
        if response.status_code != 200:
            continue
        body = response.json()
        rows = body.get("results", body) if isinstance(body, dict) else body
        for row in rows if isinstance(rows, list) else []:
            if isinstance(row, dict) and isinstance(row.get("id"), int):
                try:
                    detail = reverse(name.removesuffix("-list") + "-detail", args=[row["id"]])
                except NoReverseMatch:
                    continue  # a list without a detail route
                seen[detail] = client.get(detail).content.decode()
    return seen


class TestAnAgentReadsNoFullNumber:
    def test_through_any_api_endpoint(self, org, api_as, world):
        client = api_as(org.agent_a1)
        seen = _walk(client)
        seen["timeline"] = client.get(f"/api/leads/{world.pk}/timeline/").content.decode()
        seen["search"] = client.get("/api/leads/", {"q": "139 1234 0001"}).content.decode()
        assert f"/api/leads/{world.pk}/" in seen  # the walk did reach the lead
        assert any("/api/leads/calls/" in url and url.rstrip("/")[-1].isdigit() for url in seen)
        for url, text in seen.items():
            for number in (*forms_of(OWN), *forms_of(POOLED)):
                assert number not in text, f"{number} in {url}"
        assert "139****0001" in seen[f"/api/leads/{world.pk}/"]
        assert "139****0001" in seen["search"]  # found by the full number, shown masked

    def test_on_the_pages(self, org, client_as, world):
        client = client_as(org.agent_a1)
        pages = [
            reverse("leads:worklist"),
            reverse("leads:worklist") + "?q=13912340001",
            reverse("leads:detail", args=[world.pk]),
            reverse("leads:lead_edit", args=[world.pk]),
            reverse("leads:pool"),
        ]
        for url in pages:
            # What the user typed is echoed back in the search box and links: not a leak.
            text = client.get(url).content.decode()
            text = text.replace("q=13912340001", "").replace('value="13912340001"', "")
            for number in (*forms_of(OWN), *forms_of(POOLED)):
                assert number not in text, f"{number} in {url}"
        assert "139****0001" in client.get(pages[1]).content.decode()

    def test_editing_other_fields_keeps_the_number(self, org, client_as, world):
        client = client_as(org.agent_a1)
        form = client.get(reverse("leads:lead_edit", args=[world.pk])).context["form"]
        data = {name: form.initial.get(name) or "" for name in form.fields}
        data["company"] = "新公司"
        response = client.post(reverse("leads:lead_edit", args=[world.pk]), data)
        assert response.status_code == 302
        world.refresh_from_db()
        assert (world.phone, world.company) == (OWN, "新公司")


class TestRevealAndClickToCall:
    def test_the_api_reveal_shows_the_number_and_logs_it(self, org, api_as, world):
        response = api_as(org.agent_a1).post(
            f"/api/leads/{world.pk}/reveal/", {"reason": "客户回电"}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["phone"] == OWN
        reveal = PhoneReveal.objects.get()
        assert (reveal.user, reveal.lead, reveal.reason) == (org.agent_a1.user, world, "客户回电")
        assert reveal.purpose == PhoneReveal.Purpose.API
        assert reveal.phone_masked == "139****0001"

    def test_out_of_scope_is_404_and_not_logged(self, org, api_as, world):
        response = api_as(org.agent_b1).post(f"/api/leads/{world.pk}/reveal/", {}, format="json")
        assert response.status_code == 404
        assert not PhoneReveal.objects.exists()

    def test_the_page_reveal_button(self, org, client_as, world):
        client = client_as(org.agent_a1)
        page = client.get(reverse("leads:detail", args=[world.pk])).content.decode()
        assert 'id="reveal-phone"' in page
        response = client.post(
            reverse("leads:phone_reveal", args=[world.pk]), HTTP_HX_REQUEST="true"
        )
        assert OWN in response.content.decode()
        assert PhoneReveal.objects.get().purpose == PhoneReveal.Purpose.REVEAL

    def test_click_to_call_dials_the_full_number_and_is_logged(self, org, client_as, world):
        response = client_as(org.agent_a1).post(reverse("leads:click_to_call", args=[world.pk]))
        assert response.status_code == 302 and response["Location"] == f"tel:{OWN}"
        assert PhoneReveal.objects.get().purpose == PhoneReveal.Purpose.CLICK_TO_CALL

    def test_reveal_is_post_only(self, org, client_as, world):
        client = client_as(org.agent_a1)
        assert client.get(reverse("leads:phone_reveal", args=[world.pk])).status_code == 405


class TestThePolicy:
    def test_admins_see_full_numbers_by_default(self, org, api_as, world):
        body = api_as(org.admin).get(f"/api/leads/{world.pk}/").json()
        assert body["phone"] == OWN

    def test_managers_do_not(self, org, api_as, world):
        assert api_as(org.manager_a).get(f"/api/leads/{world.pk}/").json()["phone"] != OWN

    def test_an_admin_may_let_agents_see_them(self, org, api_as, world):
        policy = RiskPolicy.current()
        policy.full_number_roles = ["admin", "agent"]
        policy.save()
        assert api_as(org.agent_a1).get(f"/api/leads/{world.pk}/").json()["phone"] == OWN

    def test_exports_mask_for_a_manager(self, org, client_as, world):
        response = client_as(org.manager_a).get(reverse("leads:export") + "?format=csv")
        text = b"".join(response.streaming_content).decode()
        assert "139****0001" in text
        for number in forms_of(OWN):
            assert number not in text
