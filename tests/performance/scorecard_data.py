"""A tiny March 2026 worked by hand: every indicator's value is written down in EXPECTED.

Teams (from tests/conftest.py `org`): east = team_a + team_b, south = team_c, center = all.
agent_a2 moves from team_a to team_b on 16 March at 00:00, so their records before count
for team_a and after for team_b. Times are local (Asia/Shanghai).

Follow-ups (agent, lead, at → next due)        Calls (agent, lead, at, seconds)
F0 a1 L1 27 Feb 10:00 → 1 Mar 09:00 (Feb)     C1 a1 L3 20 Mar 09:00 120
F1 a1 L1  2 Mar 10:00 → 10 Mar 10:00 (F3 on   C2 a1 L2 11 Mar 09:00 180
   time: 11:00 is within the 2 h grace)       C3 a2 L4 10 Mar 10:00  60 (team_a)
F2 a1 L2 10 Mar 12:00 → 12 Mar 09:00 (late)    C4 a2 L5 17 Mar 10:00 240 (team_b)
F3 a1 L1 10 Mar 11:00                          C5 c1 L7  3 Mar 10:00  90
F4 a1 L3  1 Apr 00:00 (April)                  C6 nobody  3 Mar 10:00 30 (no agent)
F5 a2 L4  5 Mar 09:00 → 16 Mar 10:00 (team_a when made; F6 on time)
F6 a2 L4 16 Mar 11:30 (team_b)
F7 b1 L6 31 Mar 23:59 → 2 Apr (late: nothing followed)

Leads assigned in March: L1 a1 2 Mar 09:00 won, L2 a1 9 Mar 10:00, L3 a1 19 Mar 20:00,
L4 a2 5 Mar 08:00 won (team_a), L5 a2 17 Mar 09:00 lost (team_b), L7 c1 1 Mar 00:00;
L6 b1 was assigned in February.
Sales: O1 a1 +1000 3 Mar; O2 a1 +500 4 Mar, refunded −500 20 Mar; O3 a2 +800 18 Mar
(team_b); O4 b1 +200 28 Feb (February).
Revisits done: a1 5 (12 Mar), a1 3 (13 Mar), a2 4 (25 Mar, team_b); one still scheduled.
Complaint tickets: L1 (a1) 15 Mar; L4 (a2) 20 Mar (team_b); a question on L2 (not counted).
Quality (inspector): F1 of a1 5/4/3 (11 Mar); C1 of a1 3/3/3 (21 Mar); C3 of a2 4/4/4
scored 17 Mar (team_b).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from aftersales.models import Revisit, RevisitStatus, ServiceTicket, TicketType
from crm import services as crm_services
from crm.models import TeamMembership
from leads.models import Call, FollowUp, Lead
from orders.models import Order, SalesEntry
from performance.models import PeriodKind, QualityScore
from performance.periods import Period

MARCH = Period(PeriodKind.MONTH, dt.date(2026, 3, 1))


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=timezone.get_current_timezone())


@dataclass
class March:
    org: object
    records: dict = field(default_factory=dict)

    def __getitem__(self, key):
        return self.records[key]


def _lead(n, owner, assigned_at, status="contacted"):
    return Lead.objects.create(
        name=f"客户{n}",
        phone=f"+8613900000{n:03d}",
        owner=owner.user,
        team=owner.team,
        assigned_at=assigned_at,
        status=status,
    )


def build_march(org) -> March:
    TeamMembership.objects.update(started_at=at(1, 1) - dt.timedelta(days=400))
    crm_services.member_move(member=org.agent_a2, team=org.team_b, at=at(3, 16))
    a1, a2, b1, c1 = org.agent_a1, org.agent_a2, org.agent_b1, org.agent_c1
    r = {}
    r["L1"] = _lead(1, a1, at(3, 2, 9), "won")
    r["L2"] = _lead(2, a1, at(3, 9, 10))
    r["L3"] = _lead(3, a1, at(3, 19, 20), "new")
    r["L4"] = _lead(4, a2, at(3, 5, 8), "won")
    r["L5"] = _lead(5, a2, at(3, 17, 9), "lost")
    r["L6"] = _lead(6, b1, at(2, 20, 9))
    r["L7"] = _lead(7, c1, at(3, 1), "new")

    def followup(key, agent, lead, when, due=None):
        r[key] = FollowUp.objects.create(
            agent=agent.user,
            lead=r[lead],
            disposition="reached",
            created_at=when,
            next_followup_at=due,
        )

    followup("F0", a1, "L1", at(2, 27, 10), at(3, 1, 9))
    followup("F1", a1, "L1", at(3, 2, 10), at(3, 10, 10))
    followup("F2", a1, "L2", at(3, 10, 12), at(3, 12, 9))
    followup("F3", a1, "L1", at(3, 10, 11))
    followup("F4", a1, "L3", at(4, 1))
    followup("F5", a2, "L4", at(3, 5, 9), at(3, 16, 10))
    followup("F6", a2, "L4", at(3, 16, 11, 30))
    followup("F7", b1, "L6", at(3, 31, 23, 59), at(4, 2, 9))

    def call(key, agent, lead, when, seconds):
        r[key] = Call.objects.create(
            agent=agent.user if agent else None,
            lead=r[lead] if lead else None,
            started_at=when,
            duration_seconds=seconds,
        )

    call("C1", a1, "L3", at(3, 20, 9), 120)
    call("C2", a1, "L2", at(3, 11, 9), 180)
    call("C3", a2, "L4", at(3, 10, 10), 60)
    call("C4", a2, "L5", at(3, 17, 10), 240)
    call("C5", c1, "L7", at(3, 3, 10), 90)
    call("C6", None, None, at(3, 3, 10), 30)

    def order(key, agent, lead, amount):
        r[key] = Order.objects.create(
            number=f"SO-{key}",
            lead=r[lead],
            agent=agent.user,
            team=agent.team,
            status="confirmed",
            list_total=Decimal(amount),
            total=Decimal(amount),
        )

    order("O1", a1, "L1", "1000")
    order("O2", a1, "L1", "500")
    order("O3", a2, "L4", "800")
    order("O4", b1, "L6", "200")

    def sale(key, order_key, kind, amount, when):
        o = r[order_key]
        r[key] = SalesEntry.objects.create(
            order=o,
            kind=kind,
            agent_id=o.agent_id,
            team_id=o.team_id,
            day=timezone.localdate(when),
            amount=Decimal(amount),
            at=when,
        )

    sale("S1", "O1", "confirmed", "1000", at(3, 3, 10))
    sale("S2", "O2", "confirmed", "500", at(3, 4, 10))
    sale("S3", "O2", "refunded", "-500", at(3, 20, 10))
    sale("S4", "O3", "confirmed", "800", at(3, 18, 10))
    sale("S5", "O4", "confirmed", "200", at(2, 28, 10))

    def revisit(key, order_key, satisfaction, when, status=RevisitStatus.DONE):
        o = r[order_key]
        done = status == RevisitStatus.DONE
        r[key] = Revisit.objects.create(
            order=o,
            lead=o.lead,
            assignee_id=o.agent_id,
            due_at=when,
            status=status,
            reached=True if done else None,
            satisfaction=satisfaction if done else None,
            done_at=when if done else None,
        )

    revisit("R1", "O1", 5, at(3, 12, 10))
    revisit("R2", "O2", 3, at(3, 13, 10))
    revisit("R3", "O3", 4, at(3, 25, 10))
    revisit("R4", "O4", None, at(3, 26, 10), status=RevisitStatus.SCHEDULED)

    def ticket(key, lead, kind, when):
        r[key] = ServiceTicket.objects.create(
            lead=r[lead],
            team=r[lead].team,
            type=kind,
            priority="high",
            subject=key,
            opened_at=when,
            due_at=when + dt.timedelta(hours=24),
        )

    ticket("T1", "L1", TicketType.COMPLAINT, at(3, 15, 10))
    ticket("T2", "L4", TicketType.COMPLAINT, at(3, 20, 10))
    ticket("T3", "L2", TicketType.QUESTION, at(3, 21, 10))

    def quality(key, agent, record_key, parts, when):
        record = r[record_key]
        kind = "followup" if record_key.startswith("F") else "call"
        r[key] = QualityScore.objects.create(
            agent=agent.user,
            scorer=org.inspector.user,
            professionalism=parts[0],
            communication=parts[1],
            problem_solving=parts[2],
            scored_at=when,
            **{kind: record},
        )

    quality("Q1", a1, "F1", (5, 4, 3), at(3, 11, 10))
    quality("Q2", a1, "C1", (3, 3, 3), at(3, 21, 10))
    quality("Q3", a2, "C3", (4, 4, 4), at(3, 17, 10))
    return March(org=org, records=r)


# (source) -> {subject: (value, records behind it)}; subjects: a1, a2, b1, c1 (agents),
# team_a, team_b, team_c, east, south, center. A subject absent has no records (0 or None).
D = Decimal
EXPECTED = {
    "sales_amount": {
        "a1": (D("1000"), {"S1", "S2", "S3"}),
        "a2": (D("800"), {"S4"}),
        "team_a": (D("1000"), {"S1", "S2", "S3"}),
        "team_b": (D("800"), {"S4"}),
        "east": (D("1800"), {"S1", "S2", "S3", "S4"}),
        "center": (D("1800"), {"S1", "S2", "S3", "S4"}),
    },
    "orders": {
        "a1": (D("1"), {"S1", "S2", "S3"}),
        "a2": (D("1"), {"S4"}),
        "team_a": (D("1"), {"S1", "S2", "S3"}),
        "team_b": (D("1"), {"S4"}),
        "east": (D("2"), {"S1", "S2", "S3", "S4"}),
    },
    "conversion": {
        "a1": (D("33.3333"), {"L1", "L2", "L3"}),
        "a2": (D("50"), {"L4", "L5"}),
        "c1": (D("0"), {"L7"}),
        "team_a": (D("50"), {"L1", "L2", "L3", "L4"}),
        "team_b": (D("0"), {"L5"}),
        "east": (D("40"), {"L1", "L2", "L3", "L4", "L5"}),
        "center": (D("33.3333"), {"L1", "L2", "L3", "L4", "L5", "L7"}),
    },
    "revisit_score": {
        "a1": (D("4"), {"R1", "R2"}),
        "a2": (D("4"), {"R3"}),
        "team_a": (D("4"), {"R1", "R2"}),
        "team_b": (D("4"), {"R3"}),
        "east": (D("4"), {"R1", "R2", "R3"}),
    },
    "complaints": {
        "a1": (D("1"), {"T1"}),
        "a2": (D("1"), {"T2"}),
        "team_a": (D("1"), {"T1"}),
        "team_b": (D("1"), {"T2"}),
        "east": (D("2"), {"T1", "T2"}),
    },
    "calls": {
        "a1": (D("2"), {"C1", "C2"}),
        "a2": (D("2"), {"C3", "C4"}),
        "c1": (D("1"), {"C5"}),
        "team_a": (D("3"), {"C1", "C2", "C3"}),
        "team_b": (D("1"), {"C4"}),
        "team_c": (D("1"), {"C5"}),
        "east": (D("4"), {"C1", "C2", "C3", "C4"}),
        "south": (D("1"), {"C5"}),
        "center": (D("5"), {"C1", "C2", "C3", "C4", "C5"}),
    },
    "talk_time": {
        "a1": (D("5"), {"C1", "C2"}),
        "a2": (D("5"), {"C3", "C4"}),
        "c1": (D("1.5"), {"C5"}),
        "team_a": (D("6"), {"C1", "C2", "C3"}),
        "team_b": (D("4"), {"C4"}),
        "center": (D("11.5"), {"C1", "C2", "C3", "C4", "C5"}),
    },
    "followups": {
        "a1": (D("3"), {"F1", "F2", "F3"}),
        "a2": (D("2"), {"F5", "F6"}),
        "b1": (D("1"), {"F7"}),
        "team_a": (D("4"), {"F1", "F2", "F3", "F5"}),
        "team_b": (D("2"), {"F6", "F7"}),
        "east": (D("6"), {"F1", "F2", "F3", "F5", "F6", "F7"}),
    },
    "ontime_followup": {
        "a1": (D("50"), {"F1", "F2"}),
        "a2": (D("100"), {"F5"}),
        "b1": (D("0"), {"F7"}),
        "team_a": (D("66.6667"), {"F1", "F2", "F5"}),
        "team_b": (D("0"), {"F7"}),
        "east": (D("50"), {"F1", "F2", "F5", "F7"}),
    },
    "contacted_24h": {
        "a1": (D("66.6667"), {"L1", "L2", "L3"}),
        "a2": (D("100"), {"L4", "L5"}),
        "c1": (D("0"), {"L7"}),
        "team_a": (D("75"), {"L1", "L2", "L3", "L4"}),
        "team_b": (D("100"), {"L5"}),
        "center": (D("66.6667"), {"L1", "L2", "L3", "L4", "L5", "L7"}),
    },
    "quality_professionalism": {
        "a1": (D("80"), {"Q1", "Q2"}),
        "a2": (D("80"), {"Q3"}),
        "team_a": (D("80"), {"Q1", "Q2"}),
        "team_b": (D("80"), {"Q3"}),
        "east": (D("80"), {"Q1", "Q2", "Q3"}),
    },
    "quality_communication": {
        "a1": (D("70"), {"Q1", "Q2"}),
        "a2": (D("80"), {"Q3"}),
        "east": (D("73.3333"), {"Q1", "Q2", "Q3"}),
    },
    "quality_problem_solving": {
        "a1": (D("60"), {"Q1", "Q2"}),
        "a2": (D("80"), {"Q3"}),
        "east": (D("66.6667"), {"Q1", "Q2", "Q3"}),
    },
    "quality_overall": {
        "a1": (D("70"), {"Q1", "Q2"}),
        "a2": (D("80"), {"Q3"}),
        "team_a": (D("70"), {"Q1", "Q2"}),
        "east": (D("73.3333"), {"Q1", "Q2", "Q3"}),
    },
}
