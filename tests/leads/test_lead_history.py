"""A lead's history people can read (the lead page's timeline).

Given a lead that was won by an order and edited along the way, when its page is opened
in Chinese or English, then the status moves read "状态：新线索 → 已成交 · 张三 · 订单 …",
edits read as the field's label with values by their labels and times in the center's
time zone, internal fields are not shown, and the admins' audit search still shows the
raw entry.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from leads.models import LeadEvent, LeadStatus
from leads.selectors.history import short_time
from leads.selectors.leads import lead_timeline
from leads.services import capture
from leads.services.followups import disposition_rules_install_defaults, followup_log
from leads.services.moves import lead_move
from risk.audit import acting_as
from risk.models import AuditEntry
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_back():
    yield
    translation.activate("zh-hans")


@pytest.fixture
def agent(org):
    user = org.agent_a1.user
    user.first_name, user.last_name = "张三", ""
    user.save(update_fields=["first_name", "last_name"])
    return user


@pytest.fixture
def lead(agent, org):
    return LeadFactory(owner=agent, team=org.team_a, company="旧公司", intent="unknown")


def page(client, lead, language: str) -> str:
    """The lead page's timeline (the list, nested lists included), in `language`."""
    response = client.get(reverse("leads:detail", args=[lead.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    body = response.content.decode()
    start, depth = body.index('<ul class="timeline'), 0
    for tag in re.finditer(r"<ul\b|</ul>", body[start:]):
        depth += 1 if tag.group() != "</ul>" else -1
        if depth == 0:
            return body[start : start + tag.end()]
    raise AssertionError("the timeline list is not closed")


def test_a_status_move_reads_as_a_sentence_with_the_persons_name(client_as, org, agent, lead):
    lead_move(lead=lead, to=LeadStatus.WON, by=agent, why="订单 SO-123", source="order")
    body = page(client_as(org.agent_a1), lead, "zh-hans")
    assert 'data-kind="status"' in body
    assert "状态：新线索 → 已成交" in body and "张三" in body and "订单 SO-123" in body
    body = page(client_as(org.agent_a1), lead, "en")
    assert "Status: New → Won" in body


def test_an_edit_reads_with_labels_and_choice_labels(client_as, org, agent, lead):
    with acting_as(agent):
        capture.lead_update(lead=lead, by=agent, company="新公司", intent="high")
    body = page(client_as(org.agent_a1), lead, "zh-hans")
    assert "公司 旧公司 → 新公司" in body
    assert "意向程度 未知 → 高" in body
    assert "修改</strong> · 张三" in body
    assert "<code>company</code>" not in body
    body = page(client_as(org.agent_a1), lead, "en")
    assert "Company 旧公司 → 新公司" in body and "Intent Unknown → High" in body


def test_times_are_local_and_short_and_internal_fields_are_not_shown(client_as, org, agent, lead):
    disposition_rules_install_defaults()
    due = (timezone.now() + dt.timedelta(days=2)).replace(hour=2, minute=0, second=0)
    with acting_as(agent):
        followup_log(
            lead=lead, agent=agent, disposition="call_back", channel="phone", next_followup_at=due
        )
    local = timezone.localtime(due)
    expected = local.strftime(
        "%m-%d %H:%M" if local.year == timezone.now().year else "%Y-%m-%d %H:%M"
    )
    assert short_time(due.isoformat()) == expected
    body = page(client_as(org.agent_a1), lead, "zh-hans")
    assert f"下次跟进时间 — → {expected}" in body
    # The follow-up's counters and clock are internal; its status move is the event's.
    for hidden in ("last_contact_at", "最近联系时间", "missed_calls", "followup_count"):
        assert hidden not in body
    assert "状态：新线索 → 已联系" in body
    assert LeadEvent.objects.get(lead=lead).by == agent


def test_an_edit_of_internal_fields_only_is_not_on_the_timeline(org, agent, lead):
    with acting_as(agent):
        lead.missed_calls, lead.score = 3, 42
        lead.save(update_fields=["missed_calls", "score"])
    entry = AuditEntry.objects.get(model_label="leads.lead", action="update")
    audit_rows = [e.object for e in lead_timeline(lead) if e.kind == "audit"]
    assert entry not in audit_rows
    assert [row.action for row in audit_rows] == ["create"]


def test_the_admins_audit_search_keeps_the_raw_entry(client_as, org, agent, lead):
    """Moved by a follow-up: the trail has the raw fields, names and stored values."""
    disposition_rules_install_defaults()
    with acting_as(agent):
        followup_log(lead=lead, agent=agent, disposition="reached", channel="phone")
    response = client_as(org.admin).get(
        reverse("risk:audit"), {"model": "leads.lead", "object_id": lead.pk}
    )
    body = response.content.decode()
    assert "<code>last_contact_at</code>" in body and "<code>status</code>" in body
    assert "new → contacted" in body


def test_the_api_timeline_has_the_status_moves(api_as, org, agent, lead):
    lead_move(lead=lead, to=LeadStatus.LOST, by=agent, why="不需要", source="disposition")
    rows = api_as(org.agent_a1).get(f"/api/leads/{lead.pk}/timeline/").json()
    status = [row for row in rows if row["kind"] == "status"]
    assert status[0]["data"] == {
        "from_status": "new",
        "to_status": "lost",
        "why": "不需要",
        "source": "disposition",
    }
    assert status[0]["actor"] == "张三"
