"""Routing: which team a lead goes to, and the one writer of `Assignment` rows.

Rules pick a team (`route`, `Router`); the team's strategy then picks the agent
(`leads.services.distribution`). Every change of a lead's hands — a capture routed, an
agent's own import, the assignment job, a manager's choice, a hand-over, a claim, a
release, a reclaim — is recorded here: `assignment_record` for one lead,
`assignments_insert` for the new leads of an import, `write_moves` for many leads moving
at once (its PostgreSQL fast path is in `leads.db.assignment`). Nothing else creates
`Assignment` rows (tests/leads/test_capture_pipeline.py checks the source).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import Team

from ..db.assignment import Move, move_leads
from ..db.importing import insert_rows
from ..models import Assignment, Lead, LeadPolicy, RoutingRule


class Texts:
    """The sentences of an explanation, translated once per run, not once per lead."""

    def __init__(self) -> None:
        self.rule = _("Rule “%(rule)s” (order %(order)s) matched: %(criteria)s → team %(team)s.")
        self.default = _("No routing rule matched; default team %(team)s.")
        self.no_default = _("No routing rule matched and no default team is set.")
        self.nobody = _("Team %(team)s has no active agent who takes leads; left in the team pool.")
        self.all_full = _(
            "All %(n)d active agents of team %(team)s reached their daily capacity; "
            "left in the team pool."
        )
        self.skilled_only = _("Only agents with a matching skill were considered (%(n)d).")
        self.no_skill = _("No agent with capacity has a matching skill.")
        self.round_robin = _(
            "Round-robin: %(name)s was next in turn among %(n)d agents with capacity "
            "(%(open)d open leads, %(today)d of %(cap)d assigned today)."
        )
        self.least_loaded = _(
            "Least loaded: %(name)s had the fewest open leads (%(open)d) among %(n)d agents "
            "with capacity (%(today)d of %(cap)d assigned today)."
        )
        self.skill = _("Skill: %(skill)s.")
        self.product = _("product %(name)s")
        self.region = _("region %(name)s")
        self.full = _("At daily capacity: %(names)s.")
        self.more = _("and %(n)d more")


# --- routing ------------------------------------------------------------------------------


def active_rules() -> list[RoutingRule]:
    """The rules in the order they are tried; rules of deactivated teams are left out."""
    return list(
        RoutingRule.objects.filter(is_active=True, team__is_active=True)
        .select_related("team")
        .order_by("order", "pk")
    )


def rule_matches(rule: RoutingRule, lead: Lead) -> bool:
    if rule.region.strip() and rule.region.strip() not in (lead.region or ""):
        return False
    if rule.product.strip() and rule.product.strip().casefold() != (lead.product or "").casefold():
        return False
    if rule.channel and rule.channel != lead.channel:
        return False
    grades = rule.grades.strip().upper()
    return not grades or lead.grade in grades


def _rule_criteria(rule: RoutingRule) -> str:
    parts = []
    if rule.region.strip():
        parts.append(_("region contains “%(v)s”") % {"v": rule.region.strip()})
    if rule.product.strip():
        parts.append(_("product is “%(v)s”") % {"v": rule.product.strip()})
    if rule.channel:
        parts.append(_("channel is %(v)s") % {"v": rule.get_channel_display()})
    if rule.grades.strip():
        parts.append(_("grade in %(v)s") % {"v": rule.grades.strip().upper()})
    return ", ".join(parts) or _("no criteria, matches every lead")


class Router:
    """The rules and the default team of one run, with each rule's explanation written once."""

    def __init__(
        self, rules: Sequence[RoutingRule], policy: LeadPolicy, texts: Texts | None = None
    ) -> None:
        texts = texts or Texts()
        self.rules = [
            (
                rule,
                texts.rule
                % {
                    "rule": rule.name,
                    "order": rule.order,
                    "criteria": _rule_criteria(rule),
                    "team": rule.team,
                },
            )
            for rule in rules
        ]
        team = policy.default_team
        if team is not None and team.is_active:
            self.fallback = (team, None, texts.default % {"team": team})
        else:
            self.fallback = (None, None, texts.no_default)

    def route(self, lead) -> tuple[Team | None, RoutingRule | None, str]:
        for rule, why in self.rules:
            if rule_matches(rule, lead):
                return rule.team, rule, why
        return self.fallback


def current_policy() -> LeadPolicy:
    policy = LeadPolicy.objects.select_related("default_team").filter(pk=1).first()
    return policy or LeadPolicy.current()


def route(
    lead: Lead, *, rules: Sequence[RoutingRule] | None = None, policy: LeadPolicy | None = None
) -> tuple[Team | None, RoutingRule | None, str]:
    """The team a lead goes to, the rule that sent it there, and why in words.

    Rules are tried in order; the first match wins; a rule's empty criteria match
    anything, its region matches when contained in the lead's region and its grades
    ("AB") list the grades it takes. With no match the policy's default team catches the
    lead; with no default team it stays in the center pool (no team).
    """
    router_ = Router(active_rules() if rules is None else rules, policy or current_policy())
    return router_.route(lead)


# --- recording who has a lead -----------------------------------------------------------


def queue_routing(*, lead_ids: list[int] | None) -> None:
    """Have the assignment job route these new leads (all pending ones for None) once the
    transaction that captured them commits."""

    def queue():
        from ..tasks import assign_pending_leads

        if lead_ids is None:
            assign_pending_leads.delay()
        else:
            assign_pending_leads.delay(lead_ids)

    transaction.on_commit(queue)


def assignment_record(
    *,
    lead: Lead,
    kind: str,
    to_user_id: int | None = None,
    from_user_id: int | None = None,
    team_id: int | None = None,
    rule: RoutingRule | None = None,
    reason: str = "",
    by=None,
    at: dt.datetime,
) -> Assignment:
    """Record one change of hands of `lead` (the caller has moved the lead itself)."""
    return Assignment.objects.create(
        lead=lead,
        kind=kind,
        from_user_id=from_user_id,
        to_user_id=to_user_id,
        team_id=team_id,
        rule=rule,
        reason=reason,
        by=by,
        at=at,
    )


def assignments_insert(*, columns: Sequence[str], rows: list[tuple]) -> None:
    """Record many changes of hands at once: tuples of values for `columns` (attnames of
    `Assignment`), e.g. an agent's own import giving them its new leads. COPY on
    PostgreSQL (see `leads.db.importing.insert_rows`)."""
    insert_rows(Assignment, columns, rows)


def write_moves(
    moves: list[Move],
    *,
    kind: str,
    by=None,
    now: dt.datetime,
) -> int:
    """Move many leads at once and record each move; returns the highest history id.

    `moves` are (lead, from user, to user, team, rule, reason); see
    `leads.db.assignment.move_leads` for how they are written.
    """
    if not moves:
        return 0
    # The audit trail gets one entry for the whole batch (signals would cost a query per
    # row); each lead's move is in its own append-only `Assignment` row.
    from risk.audit import record_bulk

    record_bulk(
        model_label="leads.assignment",
        object_id=f"{kind}@{now:%Y%m%dT%H%M%S}",
        summary={"kind": kind, "leads": len(moves), "by": by.pk if by is not None else None},
        description=f"{len(moves)} × {kind}",
    )
    return move_leads(moves, kind=kind, by_id=by.pk if by is not None else None, now=now)
