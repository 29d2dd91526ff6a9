"""The rows behind each demo lead: scores, sources, follow-ups and calls, assignments,
do-not-call numbers."""

from __future__ import annotations

import datetime as dt
import random

from risk.models import DoNotCall

from ..models import (
    Assignment,
    Call,
    Channel,
    ConsentNotice,
    Disposition,
    FollowUp,
    FollowUpChannel,
    LawfulBasis,
    Lead,
    LeadEvent,
    LeadPolicy,
    LeadSource,
    LeadStatus,
    RoutingRule,
    ScoringRule,
    TeamLeadSettings,
)
from ..services import capture
from ..services.followups import DEFAULT_DISPOSITION_RULES
from ..services.routing import assignments_insert
from ..states import can_move
from .stories import LeadPlan
from .vocabulary import CALL_SECONDS, NOTES, STRATEGY_LABELS, WRITTEN_NOTES


def score_leads(leads: list[Lead]) -> None:
    """Score with the capture service's model, loaded once for all the leads."""
    capture.scoring_rules_install_defaults()
    rules = list(ScoringRule.objects.filter(is_active=True).order_by("kind", "value", "pk"))
    policy = LeadPolicy.current()
    for lead in leads:
        lead.score, lead.grade, lead.score_details = capture.lead_score(
            lead, rules=rules, policy=policy
        )


DEMO_NOTICE_TEXT = (
    "【演示】您提交的姓名和电话仅用于产品咨询与回访，您可随时要求查询、更正或删除。"
    "（演示数据，非真实告知。）"
)


def write_sources(rng: random.Random, plans: list[LeadPlan]) -> int:
    """Each lead's first capture; a few were captured again later (duplicates). All
    record the demo's consent notice, the center's default (leads.models.basis)."""
    notice, _created = ConsentNotice.objects.get_or_create(
        version="demo-1", defaults={"text": DEMO_NOTICE_TEXT, "basis": LawfulBasis.CONSENT}
    )
    rows = []
    for plan in plans:
        lead = plan.lead
        rows.append(
            LeadSource(
                lead=lead,
                channel=lead.channel,
                campaign=lead.campaign,
                payload={"name": lead.name, "phone": lead.phone[3:], "region": lead.region},
                received_at=lead.created_at,
                basis=notice.basis,
                notice=notice,
            )
        )
        if rng.random() < 0.04:
            rows.append(
                LeadSource(
                    lead=lead,
                    channel=Channel.WEB_FORM,
                    is_duplicate=True,
                    payload={"name": lead.name, "phone": f"+86 {lead.phone[3:]}"},
                    received_at=lead.created_at + dt.timedelta(days=rng.randint(1, 3)),
                    basis=notice.basis,
                    notice=notice,
                )
            )
    LeadSource.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def write_followups_and_calls(rng: random.Random, plans: list[LeadPlan]) -> tuple[int, int]:
    """Follow-ups by the (last) owner, and a call behind each phone follow-up."""
    pairs: list[tuple[FollowUp, Call | None]] = []
    for plan in plans:
        lead, agent = plan.lead, plan.agent
        if agent is None:
            continue
        for index, touch in enumerate(plan.touches):
            is_last = index == len(plan.touches) - 1
            next_at = lead.next_followup_at if is_last else plan.touches[index + 1].at
            if touch.disposition in (
                Disposition.WON,
                Disposition.LOST,
                Disposition.NOT_INTERESTED,
                Disposition.WRONG_NUMBER,
                Disposition.DO_NOT_CALL,
            ):
                next_at = None
            interested = touch.disposition in (Disposition.INTERESTED, Disposition.WON)
            budget = f"{lead.budget:,.0f}" if lead.budget else "若干"
            template = (
                WRITTEN_NOTES[touch.channel]
                if touch.channel != FollowUpChannel.PHONE
                else rng.choice(NOTES[touch.disposition])
            )
            followup = FollowUp(
                lead=lead,
                agent=agent.user,
                channel=touch.channel,
                disposition=touch.disposition,
                notes=template.format(
                    product=lead.product, budget=budget, timeline=lead.timeline or "尽快"
                ),
                product=lead.product if touch.disposition != Disposition.NO_ANSWER else "",
                budget=lead.budget if interested else None,
                timeline=lead.timeline if interested else "",
                next_followup_at=next_at,
                created_at=touch.at,
            )
            call = None
            if touch.channel == FollowUpChannel.PHONE:
                low, high = CALL_SECONDS.get(touch.disposition, (0, 0))
                seconds = rng.randint(low, high) if high else 0
                call = Call(
                    lead=lead,
                    agent=agent.user,
                    direction=Call.Direction.OUTBOUND,
                    caller=agent.extension,
                    callee=lead.phone,
                    extension=agent.extension,
                    started_at=touch.at - dt.timedelta(seconds=seconds + rng.randint(5, 25)),
                    duration_seconds=seconds,
                    source="manual",
                    created_at=touch.at,
                )
            pairs.append((followup, call))
    calls = Call.objects.bulk_create([c for _f, c in pairs if c is not None], batch_size=1000)
    for followup, call in pairs:
        followup.call = call
    FollowUp.objects.bulk_create([f for f, _c in pairs], batch_size=1000)
    return len(calls), len(pairs)


def write_status_events(plans: list[LeadPlan]) -> int:
    """Each worked lead's status moves, replayed from its follow-ups along the table as
    `lead_move` would have written them; bulk-created with the rest of the history. A
    lead whose replay does not end at its status (a story the rules would not tell) gets
    none."""
    events = []
    for plan in plans:
        if plan.agent is None:
            continue
        status, moves = LeadStatus.NEW, []
        for touch in plan.touches:
            to = DEFAULT_DISPOSITION_RULES.get(touch.disposition, {}).get("set_status")
            if to and can_move(status, to):
                moves.append(
                    LeadEvent(
                        lead=plan.lead,
                        at=touch.at,
                        by=plan.agent.user,
                        from_status=status,
                        to_status=to,
                        why=str(Disposition(touch.disposition).label),
                        source=LeadEvent.Source.DISPOSITION,
                    )
                )
                status = to
        if status == plan.lead.status:
            events += moves
    LeadEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)


_ASSIGNMENT_COLUMNS = (
    "lead_id", "kind", "from_user_id", "to_user_id", "team_id", "rule_id", "reason", "by_id", "at"
)  # fmt: skip


def write_assignments(
    now: dt.datetime,
    plans: list[LeadPlan],
    rules: dict[int, RoutingRule],
    settings_of: dict[int, TeamLeadSettings],
) -> int:
    """Why each lead is where it is: the rule that routed it, and how it left its owner."""
    rows = []
    for plan in plans:
        lead, agent = plan.lead, plan.agent
        if agent is None:
            continue
        team_id = agent.team_id
        rule = rules.get(team_id)
        matched = rule is not None and rule.region in lead.region
        strategy = STRATEGY_LABELS[settings_of[team_id].strategy]
        who = f"组内{strategy}分配给{agent.display_name}"
        if matched:
            reason = f"规则「{rule.name}」匹配地区「{lead.region}」；{who}"
        else:
            reason = f"地区「{lead.region}」无匹配规则，进入默认团队；{who}"
        assigned_at = lead.assigned_at or lead.created_at + dt.timedelta(minutes=1)
        rows.append(
            (
                lead.pk,
                Assignment.Kind.AUTO,
                None,
                agent.user_id,
                team_id,
                rule.pk if matched else None,
                reason,
                None,
                assigned_at,
            )
        )
        if plan.pool_kind:
            last = lead.last_contact_at or assigned_at
            reasons = {
                Assignment.Kind.RECLAIM: (7, "超过7天未跟进，自动回收到团队公海"),
                Assignment.Kind.RELEASE: (0, "客户暂无需求，半年后再联系，释放到公海"),
                Assignment.Kind.RETURN: (0, "连续3次未接通，按规则退回公海"),
            }
            days, text = reasons[plan.pool_kind]
            rows.append(
                (
                    lead.pk,
                    plan.pool_kind,
                    agent.user_id,
                    None,
                    lead.team_id,
                    None,
                    text,
                    agent.user_id if plan.pool_kind == Assignment.Kind.RELEASE else None,
                    min(now, last + dt.timedelta(days=days, minutes=5)),
                )
            )
    assignments_insert(columns=_ASSIGNMENT_COLUMNS, rows=rows)
    return len(rows)


def write_do_not_call(
    rng: random.Random, now: dt.datetime, plans: list[LeadPlan], spare_phones: list[str]
) -> int:
    """A few numbers from the regulator's list, and two customers who asked on the phone."""
    rows = [
        DoNotCall(
            phone=phone,
            reason="工信部骚扰电话投诉名单",
            source=DoNotCall.Source.REGULATOR,
            added_at=now - dt.timedelta(days=rng.randint(10, 60)),
        )
        for phone in spare_phones[:5]
    ]
    asked = [p for p in plans if p.touches and p.touches[-1].disposition == Disposition.DO_NOT_CALL]
    rows += [
        DoNotCall(
            phone=plan.lead.phone,
            reason="客户要求不再来电",
            source=DoNotCall.Source.CUSTOMER,
            added_by=plan.agent.user,
            added_at=plan.touches[-1].at,
        )
        for plan in asked
    ]
    DoNotCall.objects.bulk_create(rows)
    return len(rows)
