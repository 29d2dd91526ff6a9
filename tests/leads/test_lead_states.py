"""The lead state machine: one table of allowed moves, one writer of `Lead.status`.

Given a lead in any status, when something moves it (a follow-up's outcome, an order, the
do-not-call list), then the move is checked against `leads.states.LEAD_TRANSITIONS`, the
status is written, and an append-only `LeadEvent` says who moved it, when, from what, to
what and why — one lead at a time or a whole set at once. And nothing else in the code
base writes a lead's status (the source tree is read to make sure).
"""

import ast
import itertools
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from leads.models import OPEN_STATUSES, Lead, LeadEvent, LeadStatus
from leads.services import capture
from leads.services.capture.screening import dnc_closed_reason
from leads.services.moves import lead_move, lead_move_many
from leads.states import LEAD_TRANSITIONS, can_move
from risk.models import AuditEntry
from risk.services import do_not_call_add
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db

ALLOWED = [(a, b) for a, targets in LEAD_TRANSITIONS.items() for b in sorted(targets)]
REFUSED = [
    (a, b)
    for a, b in itertools.product(LeadStatus.values, repeat=2)
    if b not in LEAD_TRANSITIONS[a]
]


class TestTheTable:
    def test_every_status_has_a_row_and_closed_ones_have_no_way_out(self):
        assert set(LEAD_TRANSITIONS) == set(LeadStatus.values)
        for status in set(LeadStatus.values) - set(OPEN_STATUSES):
            assert not LEAD_TRANSITIONS[status]

    def test_a_lead_never_moves_back_or_stays(self):
        order = list(LeadStatus.values)
        for before, after in ALLOWED:
            assert before != after
            assert before in OPEN_STATUSES
            if after in OPEN_STATUSES:
                assert order.index(after) > order.index(before)


class TestOneLead:
    @pytest.mark.parametrize(("before", "after"), ALLOWED)
    def test_an_allowed_move_is_written_with_its_event(self, org, before, after):
        agent = org.agent_a1.user
        lead = LeadFactory(owner=agent, team=org.team_a, status=before)
        event = lead_move(lead=lead, to=after, by=agent, why="客户说的", source="disposition")
        lead.refresh_from_db()
        assert lead.status == after
        assert (event.lead, event.by, event.from_status, event.to_status) == (
            lead,
            agent,
            before,
            after,
        )
        assert (event.why, event.source) == ("客户说的", "disposition")
        if after not in OPEN_STATUSES:
            assert lead.closed_reason == "客户说的"

    @pytest.mark.parametrize(("before", "after"), REFUSED)
    def test_a_move_off_the_table_is_refused_on_status(self, org, before, after):
        lead = LeadFactory(status=before)
        with pytest.raises(ValidationError) as refused:
            lead_move(lead=lead, to=after, by=org.agent_a1.user, why="x", source="disposition")
        assert "status" in refused.value.message_dict
        lead.refresh_from_db()
        assert lead.status == before and not LeadEvent.objects.exists()

    def test_the_stored_status_is_checked_not_the_instance(self, org):
        lead = LeadFactory(status=LeadStatus.LOST)
        stale = Lead.objects.get(pk=lead.pk)
        stale.status = LeadStatus.NEW  # what a stale form would hold
        with pytest.raises(ValidationError):
            lead_move(lead=stale, to=LeadStatus.WON, by=None, why="x")

    def test_the_move_is_audited_as_made_by_its_author(self, org):
        lead = LeadFactory(status=LeadStatus.NEW)
        lead_move(lead=lead, to=LeadStatus.CONTACTED, by=org.manager_a.user, why="电话打通")
        entry = AuditEntry.objects.get(model_label="leads.lead", action="update")
        assert entry.actor == org.manager_a.user
        assert (entry.before["status"], entry.after["status"]) == ("new", "contacted")

    def test_other_fields_named_by_the_caller_go_in_the_same_write(self, org):
        lead = LeadFactory(status=LeadStatus.NEW, product="")
        lead.product = "企业版"
        lead_move(lead=lead, to=LeadStatus.INTERESTED, by=None, why="有兴趣", also=["product"])
        lead.refresh_from_db()
        assert (lead.status, lead.product) == (LeadStatus.INTERESTED, "企业版")
        assert AuditEntry.objects.filter(model_label="leads.lead", action="update").count() == 1


class TestASetOfLeads:
    def test_the_set_moves_with_an_event_each_and_illegal_ones_are_left_alone(self, org):
        manager = org.manager_a.user
        movable = [LeadFactory(status=s) for s in OPEN_STATUSES]
        closed = [LeadFactory(status=LeadStatus.WON), LeadFactory(status=LeadStatus.INVALID)]
        result = lead_move_many(
            leads_qs_or_ids=[lead.pk for lead in movable + closed],
            to=LeadStatus.LOST,
            by=manager,
            why="活动取消",
            source="do_not_call",
        )
        assert (result.moved, result.skipped) == (3, 2)
        for lead in movable:
            lead.refresh_from_db()
            assert (lead.status, lead.closed_reason) == (LeadStatus.LOST, "活动取消")
        for lead, before in zip(closed, (LeadStatus.WON, LeadStatus.INVALID), strict=True):
            lead.refresh_from_db()
            assert lead.status == before
        events = LeadEvent.objects.order_by("lead_id")
        assert [(e.lead_id, e.from_status) for e in events] == [
            (lead.pk, lead_status) for lead, lead_status in zip(movable, OPEN_STATUSES, strict=True)
        ]
        assert {(e.to_status, e.by_id, e.why, e.source) for e in events} == {
            (LeadStatus.LOST, manager.pk, "活动取消", "do_not_call")
        }
        bulk = AuditEntry.objects.get(model_label="leads.lead", action="bulk")
        assert bulk.actor == manager and bulk.after["moved"] == 3

    def test_a_queryset_and_one_why_per_lead(self, org):
        one, two = LeadFactory(), LeadFactory(status=LeadStatus.CONTACTED)
        result = lead_move_many(
            leads_qs_or_ids=Lead.objects.filter(pk__in=[one.pk, two.pk]),
            to=LeadStatus.INVALID,
            by=None,
            why={one.pk: "空号", two.pk: "停机"},
            source="import",
        )
        assert result == (2, 0)
        assert dict(LeadEvent.objects.values_list("lead_id", "why")) == {
            one.pk: "空号",
            two.pk: "停机",
        }
        one.refresh_from_db()
        assert one.closed_reason == "空号"

    def test_nothing_to_move_writes_nothing(self, org):
        lead = LeadFactory(status=LeadStatus.WON)
        result = lead_move_many(
            leads_qs_or_ids=[lead.pk], to=LeadStatus.LOST, by=None, why="x", source="x"
        )
        assert result == (0, 1)
        assert not LeadEvent.objects.exists()
        assert not AuditEntry.objects.filter(action="bulk").exists()

    def test_the_set_move_takes_a_fixed_number_of_queries(self, org, django_assert_max_num_queries):
        leads = [LeadFactory() for _ in range(30)]
        with django_assert_max_num_queries(8):
            lead_move_many(
                leads_qs_or_ids=[lead.pk for lead in leads],
                to=LeadStatus.LOST,
                by=None,
                why="x",
                source="x",
            )
        assert LeadEvent.objects.count() == 30


class TestWhatMovesALead:
    def test_the_do_not_call_list_closes_open_leads_through_the_table(self, org):
        from risk.audit import acting_as

        open_lead = LeadFactory(phone="+8613600136000", owner=org.agent_a1.user)
        won = LeadFactory(phone="+8613600136001", status=LeadStatus.WON)
        with acting_as(org.admin.user):
            closed = capture.close_leads_for_do_not_call(
                {open_lead.phone: "投诉", won.phone: "投诉"}
            )
        assert closed == 1
        open_lead.refresh_from_db()
        won.refresh_from_db()
        assert open_lead.status == LeadStatus.LOST and won.status == LeadStatus.WON
        assert open_lead.closed_reason == dnc_closed_reason("投诉")
        assert open_lead.owner == org.agent_a1.user  # owners stay
        event = LeadEvent.objects.get()
        assert (event.lead, event.source, event.by) == (
            open_lead,
            LeadEvent.Source.DO_NOT_CALL,
            org.admin.user,
        )
        assert event.why == dnc_closed_reason("投诉")

    def test_adding_a_number_to_the_list_writes_the_event(self, org):
        lead = LeadFactory(phone="+8613600136002")
        do_not_call_add(phone=lead.phone, reason="客户要求", by=org.admin.user)
        assert LeadEvent.objects.get(lead=lead).to_status == LeadStatus.LOST

    def test_a_followup_outcome_moves_the_lead_with_its_author_and_time(self, org):
        from leads.services.followups import disposition_rules_install_defaults, followup_log

        disposition_rules_install_defaults()
        agent = org.agent_a1.user
        lead = LeadFactory(owner=agent, team=org.team_a)
        followup = followup_log(lead=lead, agent=agent, disposition="reached", channel="phone")
        event = LeadEvent.objects.get(lead=lead)
        assert (event.from_status, event.to_status, event.by) == ("new", "contacted", agent)
        assert (event.source, event.at) == (LeadEvent.Source.DISPOSITION, followup.created_at)
        # A second "reached" moves nothing: contacted → contacted is no move.
        followup_log(lead=lead, agent=agent, disposition="reached", channel="phone")
        assert LeadEvent.objects.filter(lead=lead).count() == 1


def test_status_moves_audited_before_the_events_existed_become_events(org):
    """The migration that adds `LeadEvent` keeps the audited history on the timeline."""
    import importlib

    from django.apps import apps

    from risk.audit import acting_as

    migration = importlib.import_module("leads.migrations.0008_lead_event")
    lead = LeadFactory()
    with acting_as(org.agent_a1.user):  # a move as it was written before lead_move
        lead.status, lead.closed_reason = LeadStatus.LOST, "不需要"
        lead.save(update_fields=["status", "closed_reason"])
        lead.company = "某公司"
        lead.save(update_fields=["company"])
    migration.events_from_the_audit_trail(apps, None)
    event = LeadEvent.objects.get()
    assert (event.lead, event.by, event.from_status, event.to_status, event.why) == (
        lead,
        org.agent_a1.user,
        LeadStatus.NEW,
        LeadStatus.LOST,
        "不需要",
    )


# --- nothing else writes a lead's status -----------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRECTORIES = {".venv", "tests", "migrations", "node_modules", "static", "var"}
# Where a lead's status may be written, and why.
ALLOWED_WRITERS = {
    "leads/states.py": "the table itself",
    "leads/services/moves.py": "lead_move and lead_move_many, the writers",
    "leads/demo/stories.py": "builds demo leads in memory, bulk-created: creation, no move",
}


def _source(node: ast.AST, text: str) -> str:
    return ast.get_source_segment(text, node) or ""


def _is_lead(text: str) -> bool:
    return "lead" in text.lower()


def _strings(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and n.value == "status"]


def _assigns_status(node: ast.AST, text: str) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    value = _source(node.value, text) if node.value is not None else ""
    return any(
        isinstance(part, ast.Attribute)
        and part.attr == "status"
        and (_is_lead(_source(part.value, text)) or "LeadStatus" in value)
        for target in targets
        for part in ast.walk(target)
    )


def _call_writes_status(node: ast.Call, text: str) -> bool:
    if getattr(node.func, "id", "") == "setattr":
        return len(node.args) > 1 and bool(_strings(node.args[1])) and _is_lead(_source(node, text))
    if not isinstance(node.func, ast.Attribute):
        return False
    name, receiver = node.func.attr, _source(node.func.value, text)
    keywords = {kw.arg: kw.value for kw in node.keywords}
    if name == "update" and "status" in keywords:
        return _is_lead(receiver) or "LeadStatus" in _source(keywords["status"], text)
    if name == "bulk_update" and any(_strings(arg) for arg in node.args[1:]):
        return _is_lead(receiver) or _is_lead(_source(node.args[0], text))
    if name == "save" and "update_fields" in keywords:
        return _is_lead(receiver) and bool(_strings(keywords["update_fields"]))
    return False


def _sql_writes_status(node: ast.AST, text: str) -> bool:
    sql = _source(node, text)
    return "UPDATE" in sql and "Lead" in sql and bool(re.search(r"""["']status["']""", sql))


def status_writes(text: str) -> list[int]:
    """Lines of `text` (Python) that write a lead's status: `lead.status = …`,
    `Lead.objects….update(status=…)`, `bulk_update(leads, ["status"…])`,
    `lead.save(update_fields=["status"…])`, `setattr(lead, "status", …)`, raw SQL
    updating the leads' status."""
    found = set()
    for node in ast.walk(ast.parse(text)):
        if (
            (
                isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign)
                and _assigns_status(node, text)
            )
            or (isinstance(node, ast.Call) and _call_writes_status(node, text))
            or (isinstance(node, ast.Constant | ast.JoinedStr) and _sql_writes_status(node, text))
        ):
            found.add(node.lineno)
    return sorted(found)


@pytest.mark.parametrize(
    "snippet",
    [
        "lead.status = LeadStatus.WON",
        "locked.status = LeadStatus.LOST",
        "lead.status, lead.team = 'new', team",
        "Lead.objects.filter(pk=1).update(status='won')",
        "qs.update(status=LeadStatus.LOST, owner=None)",
        "Lead.objects.bulk_update(leads, ['status', 'closed_reason'])",
        "lead.save(update_fields=['status', 'updated_at'])",
        "setattr(lead, 'status', 'won')",
        "sql = f\"UPDATE {table} SET {col(Lead, 'status')} = %s\"",
    ],
)
def test_the_source_check_finds_a_status_write(snippet):
    assert status_writes(snippet) == [1]


@pytest.mark.parametrize(
    "snippet",
    [
        "order.status = OrderStatus.CONFIRMED",
        "Lead.objects.filter(status=LeadStatus.NEW).count()",
        "Lead(phone='+8613800138000', status=LeadStatus.NEW)",
        "job.save(update_fields=['status', 'started_at'])",
        "lead.refresh_from_db(fields=['status'])",
    ],
)
def test_the_source_check_lets_reads_creations_and_other_models_be(snippet):
    assert status_writes(snippet) == []


def test_nothing_but_lead_move_writes_a_leads_status():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if SKIPPED_DIRECTORIES & set(relative.parts) or relative.as_posix() in ALLOWED_WRITERS:
            continue
        lines = status_writes(path.read_text(encoding="utf-8"))
        offenders += [f"{relative}:{line}" for line in lines]
    assert offenders == [], "write lead statuses through leads.services.moves.lead_move"


def test_the_allowed_writers_exist():
    for relative in ALLOWED_WRITERS:
        assert (ROOT / relative).exists(), relative


def test_the_lead_move_module_is_where_the_moves_are():
    """The writers themselves do write a status (the check is not blind)."""
    assert status_writes((ROOT / "leads/services/moves.py").read_text(encoding="utf-8"))
    assert can_move(LeadStatus.NEW, LeadStatus.WON)
