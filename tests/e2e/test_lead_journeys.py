"""The agent's day and the manager's desk, in a real browser (Debian's Chromium).

The agent starts on the worklist (overdue first, then new leads), searches by a phone
number written the way customers say it, logs a follow-up on the lead page without a page
reload (htmx), releases a lead to the public pool and claims another. The manager sees the
team's leads and each agent's load, and reassigns leads in bulk.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from leads.models import Assignment, FollowUp, Lead, LeadStatus
from leads.services import followups
from tests.e2e.test_journeys import signed_in
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk(org):
    """agent_a1's desk: an overdue call-back, two new leads, and a lead in team A's pool."""
    # Transactional tests flush the rows the data migrations installed.
    followups.disposition_rules_install_defaults()
    now = timezone.now()
    agent = org.agent_a1.user
    overdue = LeadFactory(
        name="王建国",
        phone="+8613800138000",
        owner=agent,
        team=org.team_a,
        status=LeadStatus.CONTACTED,
        grade="A",
        last_contact_at=now - dt.timedelta(days=1),
        next_followup_at=now - dt.timedelta(hours=2),
        product="企业宽带",
    )
    fresh = LeadFactory(name="李春梅", owner=agent, team=org.team_a, grade="B")
    to_release = LeadFactory(name="赵小兵", owner=agent, team=org.team_a, grade="C")
    in_pool = LeadFactory(name="孙丽", team=org.team_a, grade="A")
    return {"overdue": overdue, "fresh": fresh, "to_release": to_release, "in_pool": in_pool}


def test_agents_day_on_the_worklist(page: Page, live_server, org, desk):
    signed_in(page, org.agent_a1, live_server)
    page.locator("#main-nav").get_by_role("link", name="Worklist").click()
    expect(page).to_have_url(f"{live_server.url}/leads/")

    # Overdue follow-ups first, then new leads by grade.
    due = page.locator("#worklist-due")
    expect(due.locator("tbody tr")).to_have_count(1)
    expect(due).to_contain_text("王建国")
    new = page.locator("#worklist-new")
    expect(new).to_contain_text("李春梅")
    expect(new).to_contain_text("赵小兵")
    expect(new.locator("tbody tr").first).to_contain_text("李春梅")  # grade B before C
    expect(page.locator("#count-overdue")).to_contain_text("1")

    # Search by phone, typed as the customer says it: the results replace the lists.
    page.locator("#f-q").fill("138 0013 8000")
    results = page.locator("#worklist-results")
    expect(results).to_contain_text("Search results")
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text("王建国")
    expect(results).to_contain_text("138****8000")  # masked for an agent

    # The lead page: log a follow-up without reloading the page.
    results.get_by_role("link", name="王建国").click()
    expect(page).to_have_url(f"{live_server.url}/leads/{desk['overdue'].pk}/")
    page.evaluate("window.__sameDocument = true")
    form = page.locator("#followup-form")
    form.get_by_label("Outcome").select_option("call_back")
    form.get_by_label("Notes").fill("客户说下周二再联系, 要报价")
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    form.get_by_label("Next follow-up").fill(tomorrow.strftime("%Y-%m-%dT10:00"))
    form.get_by_role("button", name="Save follow-up").click()
    work = page.locator("#lead-work")
    expect(work.locator(".alert-success")).to_have_text("Follow-up saved.")
    expect(work).to_contain_text("客户说下周二再联系")
    assert page.evaluate("window.__sameDocument") is True  # htmx swapped, no reload
    followup = FollowUp.objects.get(lead=desk["overdue"])
    assert followup.disposition == "call_back"
    assert followup.agent_id == org.agent_a1.user_id
    lead = Lead.objects.get(pk=desk["overdue"].pk)
    assert timezone.localtime(lead.next_followup_at).date() == tomorrow.date()

    # A follow-up without an outcome is refused next to the field, nothing saved.
    form = page.locator("#followup-form")
    form.get_by_label("Outcome").select_option("call_back")
    form.get_by_label("Next follow-up").fill("")
    form.get_by_role("button", name="Save follow-up").click()
    expect(
        page.locator("#followup-form .invalid-feedback, #followup-form .alert-danger").first
    ).to_be_visible()
    assert FollowUp.objects.filter(lead=desk["overdue"]).count() == 1

    # Release a lead to the pool with a reason: it leaves the worklist.
    page.goto(f"/leads/{desk['to_release'].pk}/")
    release = page.locator("#release-form")
    release.get_by_label("Reason").fill("客户已在别家签约")
    release.get_by_role("button", name="Release to the pool").click()
    page.goto("/leads/")
    expect(page.locator("#worklist-new")).not_to_contain_text("赵小兵")
    released = Lead.objects.get(pk=desk["to_release"].pk)
    assert released.owner_id is None
    assert Assignment.objects.filter(lead=released, kind=Assignment.Kind.RELEASE).exists()

    # Claim from the pool: the row turns into a confirmation, the lead joins the worklist.
    page.locator("#main-nav").get_by_role("link", name="Public pool").click()
    row = page.locator(f"#pool-lead-{desk['in_pool'].pk}")
    expect(row).to_contain_text("孙丽")
    row.get_by_role("button", name="Claim").click()
    expect(row).to_contain_text("is yours now")
    # The lead just released is in the pool, but in its cool-off for this agent.
    assert Lead.objects.get(pk=desk["in_pool"].pk).owner_id == org.agent_a1.user_id
    page.goto("/leads/")
    expect(page.locator("#worklist-new")).to_contain_text("孙丽")


def test_manager_reassigns_team_leads(page: Page, live_server, org, desk):
    signed_in(page, org.manager_a, live_server)
    page.locator("#main-nav").get_by_role("link", name="Team leads").click()
    expect(page).to_have_url(f"{live_server.url}/leads/team/")
    table = page.locator("#team-leads")
    for name in ("王建国", "李春梅", "赵小兵", "孙丽"):
        expect(table).to_contain_text(name)
    expect(page.locator("#agent-loads")).to_contain_text(org.agent_a1.display_name)

    for lead in (desk["fresh"], desk["to_release"]):
        table.locator(f"input[name='lead_ids'][value='{lead.pk}']").check()
    bar = page.locator("#bulk-bar")
    expect(bar).to_contain_text("2 selected")
    bar.get_by_label("Give to").select_option(str(org.agent_a2.user_id))
    bar.get_by_label("Why").fill("李工休假, 交给同组")
    page.locator("#bulk-apply").click()
    expect(page.get_by_role("alert").or_(page.locator(".alert-success")).first).to_be_visible()

    for lead in (desk["fresh"], desk["to_release"]):
        lead.refresh_from_db()
        assert lead.owner_id == org.agent_a2.user_id
        history = Assignment.objects.filter(lead=lead, kind=Assignment.Kind.MANUAL).get()
        assert history.by_id == org.manager_a.user_id
        assert "休假" in history.reason

    # The lead's page shows who gave it to whom, and why.
    page.goto(f"/leads/{desk['fresh'].pk}/")
    expect(page.locator("#lead-work")).to_contain_text("李工休假")


MESSY_CSV = (
    "\ufeff姓名,手机,公司,地区,备注\n"
    "周海涛,138 0013 8001,上海海涛贸易有限公司,上海市浦东新区,展会名片\n"
    "吴敏,+86-139-0013-8002,,上海市徐汇区,\n"
    "郑芳,１３７００１３８００３,芳华科技,江苏省苏州市,全角数字\n"
    "王建国,13800138000,,上海,已有客户\n"
    "错号,12345,,上海,\n"
    "吴敏(重复),13900138002,,上海,同一文件重复\n"
)


def test_agent_imports_a_messy_file_and_works_the_leads(
    page: Page, live_server, org, desk, celery_worker, tmp_path
):
    """The import runs on a real Celery worker; the page follows its progress."""
    from leads.services import capture

    capture.scoring_rules_install_defaults()
    upload = tmp_path / "展会名单.csv"
    upload.write_text(MESSY_CSV, encoding="utf-8")

    signed_in(page, org.agent_a1, live_server)
    page.locator("#main-nav").get_by_role("link", name="Imports").click()
    page.get_by_role("link", name="Import a file").first.click()
    page.locator("#import-form input[type=file]").set_input_files(str(upload))
    page.locator("#import-form").get_by_role("button", name="Upload").click()

    # The worker runs it; the progress card polls until the counts are final.
    progress = page.locator("#import-progress")
    expect(progress.locator("#count-created")).to_have_text("3", timeout=30_000)
    expect(progress.locator("#count-duplicates")).to_have_text("2")
    expect(progress.locator("#count-rejected")).to_have_text("1")

    # The report accounts for every row that did not simply create a lead.
    page.reload()
    rows = page.locator("#import-rows")
    expect(rows.locator("tbody tr")).to_have_count(3)
    rejected = rows.locator("tbody tr", has_text="Rejected")
    expect(rejected).to_contain_text("6")  # its row number in the file, header is row 1
    expect(rejected).to_contain_text("This is not a valid phone number.")
    expect(rows.locator("tbody tr", has_text="row 3 of this file")).to_have_count(1)

    # The new leads are the agent's, scored and graded, on the worklist.
    page.goto("/leads/")
    new = page.locator("#worklist-new")
    for name in ("周海涛", "吴敏", "郑芳"):
        expect(new).to_contain_text(name)
    lead = Lead.objects.get(phone="+8613700138003")
    assert lead.owner_id == org.agent_a1.user_id
    assert lead.score > 0 and lead.grade in "ABCD"
    # The known customer stays with its lead; nothing was created twice.
    assert Lead.objects.filter(phone="+8613800138000").count() == 1
    assert Lead.objects.filter(phone="+8613900138002").count() == 1
