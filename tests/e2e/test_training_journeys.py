"""Training in a real browser (Debian's Chromium).

The new hire's journey: the administrator creates an onboarding course and enrolls a new
hire, who gets no leads while onboarding; the administrator records a pass on the team
training page and the hire becomes active and starts receiving leads. And an agent's: the
call script shows beside the lead, and the case library finds a case by a word.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from crm.models import Member, MemberStatus
from crm.services import member_set_status
from leads.models import Lead, RoutingRule
from leads.services import assignment, followups
from tests.e2e.test_journeys import signed_in
from tests.factories import make_member
from tests.leads.factories import LeadFactory
from training.models import Enrollment
from training.services import call_scripts, case_library

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_hire_takes_leads_only_after_passing_onboarding(page: Page, live_server, org):
    followups.disposition_rules_install_defaults()
    RoutingRule.objects.create(name="全部 → A", team=org.team_a, order=1)
    for busy in (org.agent_a1, org.agent_a2):  # team A's only agent is the new hire
        member_set_status(member=busy, status=MemberStatus.ON_LEAVE)
    hire = make_member(
        team=org.team_a, username="xinren", full_name="新同事", status=MemberStatus.ONBOARDING
    )

    signed_in(page, org.admin, live_server)
    page.locator("#main-nav").get_by_role("link", name="Training").click()
    expect(page).to_have_url(f"{live_server.url}/training/team/")
    page.locator("#training-nav").get_by_role("link", name="Courses").click()
    page.locator("#new-course").click()
    form = page.locator("#course-form")
    form.get_by_label("kind").select_option("onboarding")
    form.get_by_label("title").fill("合规红线")
    form.get_by_label("required for onboarding").check()
    form.get_by_label("has an exam").check()
    form.get_by_label("pass mark").fill("80")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text("合规红线")

    page.get_by_role("link", name="Enroll agents").click()
    enroll = page.locator("#enroll-form")
    expect(enroll.get_by_label("course")).to_have_value(
        str(Enrollment._meta.get_field("course").related_model.objects.get(title="合规红线").pk)
    )
    enroll.get_by_label("agents").select_option(str(hire.pk))
    enroll.get_by_role("button", name="Enroll").click()
    expect(page.locator(".alert-success")).to_contain_text("1 new enrollments")
    expect(page.locator(f"#agent-{hire.pk}")).to_contain_text("Onboarding")
    expect(page.locator(f"#agent-{hire.pk}")).to_contain_text("合规红线")

    # While onboarding, automatic assignment passes the hire over.
    waiting = LeadFactory(name="等待分配")
    assignment.assign_pending_leads()
    assert not Lead.objects.filter(owner=hire.user).exists()
    waiting.refresh_from_db()
    assert waiting.owner_id is None

    # A score under the pass mark fails; 92 passes, and the hire is active.
    enrollment = Enrollment.objects.get(member=hire)
    row = page.locator(f"#enrollment-{enrollment.pk}")
    row.locator("input[name=score]").fill("70")
    row.get_by_role("button", name="Save").click()
    expect(page.locator(f"#enrollment-{enrollment.pk}")).to_contain_text("Failed")
    row = page.locator(f"#enrollment-{enrollment.pk}")
    row.locator("input[name=score]").fill("92")
    row.get_by_role("button", name="Save").click()
    expect(page.locator(f"#enrollment-{enrollment.pk}")).to_contain_text("Passed")
    expect(page.locator(f"#agent-{hire.pk}")).to_contain_text("Active")
    assert Member.objects.get(pk=hire.pk).status == MemberStatus.ACTIVE

    LeadFactory(name="新线索")
    assignment.assign_pending_leads()
    assert Lead.objects.filter(owner=hire.user, name="新线索").exists()


def test_an_agent_reads_the_script_beside_a_lead_and_searches_cases(page: Page, live_server, org):
    followups.disposition_rules_install_defaults()
    call_scripts.script_publish(
        product="企业宽带",
        stage="opening",
        title="宽带开场",
        body="您好，看到您关注了企业宽带",
        by=org.admin.user,
    )
    call_scripts.script_publish(
        product="", stage="closing", title="通用促成", body="我先帮您提交开通申请", by=None
    )
    lead = LeadFactory(name="王建国", owner=org.agent_a1.user, team=org.team_a, product="企业宽带")
    case_library.case_write(
        by=org.agent_b1.user,
        title="连锁门店三次跟进签约",
        outcome="won",
        body="第三次带上测速方案，当天签约。",
        lessons="痛点比价格重要",
        tags=["企业宽带"],
    )
    case_library.case_write(by=org.agent_c1.user, title="价格异议流失", outcome="lost", body="太贵")

    signed_in(page, org.agent_a1, live_server)
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    scripts = page.locator("#call-scripts")
    expect(scripts).to_contain_text("您好，看到您关注了企业宽带")  # loaded by htmx
    expect(scripts).to_contain_text("Opening")

    page.locator("#main-nav").get_by_role("link", name="Training").click()
    page.locator("#training-nav").get_by_role("link", name="Case library").click()
    page.locator("#case-filter").get_by_label("search").fill("测速")
    page.locator("#case-filter").get_by_role("button", name="Search").click()
    cases = page.locator("#cases")
    expect(cases).to_contain_text("连锁门店三次跟进签约")
    expect(cases).not_to_contain_text("价格异议流失")
    cases.get_by_role("link", name="连锁门店三次跟进签约").click()
    page.locator("#comment-form").get_by_label("comment").fill("学到了")
    page.locator("#comment-form").get_by_role("button", name="Comment").click()
    expect(page.locator("#comments")).to_contain_text("学到了")
