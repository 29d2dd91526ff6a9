"""A manager's bulk actions on the team page: reassign, release to the pool, set the next
follow-up, set the campaign. (Exporting a selection is a read: `leads.views.team.export`.)

What is acted on (`Selection`) is either the rows ticked on the page (ids, each checked
against what the manager may see: one lead outside their scope refuses the whole action)
or "all N matching": the page's filters, re-run here on the manager's scoped leads
(`leads.selectors.team.team_leads`), never a list of ids from the browser. At most
`ALL_MATCHING_MAX` leads are acted on at once; more is refused, naming the count.

Set-based whatever the number of leads: one locking read of the leads (in lead id
order, so two managers never deadlock), one statement moving them and writing each
lead's `Assignment` (`leads.services.routing.write_moves`) or one UPDATE of a field, one
INSERT of the leads' audit entries (`risk.audit.record_updates`: the same per-lead
"update" entries a single edit writes, so each lead's timeline shows the change), and a
notification per person told. Each action returns a `BulkResult`: how many leads
changed, how many were left as they were, and the sentence to show.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm import access
from crm.models import Notification
from crm.services import notify
from leads import access as leads_access
from risk.audit import acting_as, record_updates

from ..models import OPEN_STATUSES, Assignment, Campaign, Lead
from ..selectors.team import team_leads
from .assignment import agent_taking_leads
from .routing import write_moves

#: The most leads one bulk action takes ("all N matching" above it is refused).
ALL_MATCHING_MAX = 5000


@dataclass(frozen=True)
class Selection:
    """The leads a bulk action is for: ticked ids, or every lead the filters match.

    `filters` (the team page's cleaned filters, see `TeamLeadFilterForm`) means "all
    matching"; `lead_ids` are then ignored.
    """

    lead_ids: tuple[int, ...] = ()
    filters: dict | None = None

    @property
    def all_matching(self) -> bool:
        return self.filters is not None


class BulkResult(NamedTuple):
    changed: int
    unchanged: int
    message: str


class _Row(NamedTuple):
    pk: int
    name: str
    phone: str
    status: str
    owner_id: int | None
    team_id: int | None
    assigned_at: dt.datetime | None
    next_followup_at: dt.datetime | None
    campaign_id: int | None
    owner_team_id: int | None  # the owner's own team (a released lead with none goes there)

    @property
    def hands(self) -> dict:
        """Who has the lead, as the audit trail records it."""
        return {"owner_id": self.owner_id, "team_id": self.team_id, "assigned_at": self.assigned_at}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def label(self) -> str:
        return self.name or self.phone


_FIELDS = (
    "pk",
    "name",
    "phone",
    "status",
    "owner_id",
    "team_id",
    "assigned_at",
    "next_followup_at",
    "campaign_id",
    "owner__member__team_id",
)


def _locked_rows(by, selection: Selection) -> list[_Row]:
    """The selected leads, locked, within what `by` may act on; refused as a whole when
    a ticked lead is not theirs or when more than `ALL_MATCHING_MAX` match."""
    _check_may_act(by)
    if selection.all_matching:
        target = team_leads(by, filters=selection.filters).order_by().values("pk")
    else:
        wanted = sorted(set(selection.lead_ids))
        if not wanted:
            raise ValidationError({"lead_ids": _("Choose at least one lead.")})
        if len(wanted) > ALL_MATCHING_MAX:
            raise ValidationError({"lead_ids": _too_many(len(wanted))})
        target = leads_access.visible_leads(by).filter(pk__in=wanted).order_by().values("pk")
    rows = [
        _Row(*values)
        for values in Lead.objects.filter(pk__in=target)
        .select_for_update(no_key=True, of=("self",))
        .order_by("pk")
        .values_list(*_FIELDS)[: ALL_MATCHING_MAX + 1]
    ]
    if selection.all_matching:
        if len(rows) > ALL_MATCHING_MAX:
            total = team_leads(by, filters=selection.filters).count()
            raise ValidationError({"all_matching": _too_many(total)})
        if not rows:
            raise ValidationError({"all_matching": _("No lead matches the filters.")})
    elif len(rows) != len(wanted):
        raise ValidationError(
            {
                "lead_ids": _("%(n)d of the chosen leads are not yours to change.")
                % {"n": len(wanted) - len(rows)}
            }
        )
    return rows


def _check_may_act(by) -> None:
    if not leads_access.can_manage_leads(by):
        raise ValidationError(_("Only managers, heads and administrators act on leads in bulk."))


def _too_many(n: int) -> str:
    return _(
        "%(n)d leads match; a bulk action takes at most %(max)d at a time. "
        "Narrow the filters and try again."
    ) % {"n": n, "max": ALL_MATCHING_MAX}


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _left_alone(message: str, unchanged: int, why: str) -> str:
    if not unchanged:
        return message
    return f"{message} {why % {'n': unchanged}}"


# --- reassign -----------------------------------------------------------------------------


@transaction.atomic
def leads_bulk_reassign(
    *, by, selection: Selection, agent, reason: str, refuse_closed: bool = False
) -> BulkResult:
    """Give the selected open leads to one agent of `by`'s scope.

    Closed leads and leads the agent already has are left as they are (counted), or,
    with `refuse_closed`, a closed lead refuses the action (the API's single list).
    Capacity is not checked: a manager's choice overrides it, as one reassignment does.
    """
    _check_may_act(by)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the leads are reassigned.")})
    if not access.visible_members(by).filter(user_id=agent.pk).exists():
        raise ValidationError({"agent": _("Unknown agent.")})
    member = agent_taking_leads(agent)
    rows = _locked_rows(by, selection)
    closed = [row for row in rows if not row.is_open]
    if closed and refuse_closed:
        raise ValidationError(
            {"lead_ids": _("%(n)d of the chosen leads are closed.") % {"n": len(closed)}}
        )
    moving = [row for row in rows if row.is_open and row.owner_id != member.user_id]
    now = timezone.now()
    why = _("Assigned by %(by)s to %(agent)s.") % {"by": _name(by), "agent": member.display_name}
    why = f"{why} {reason.strip()}"
    moves = [
        (row.pk, row.owner_id, member.user_id, member.team_id or row.team_id, None, why)
        for row in moving
    ]
    with acting_as(by):
        _move_and_record(moving, moves, kind=Assignment.Kind.MANUAL, by=by, now=now)
    if moving:
        notify(
            user_id=member.user_id,
            key=f"leads-reassigned:{uuid.uuid4().hex}",
            kind="lead_assigned",
            url=reverse("leads:worklist"),
            text=ngettext(
                "%(by)s reassigned %(n)d lead to you.",
                "%(by)s reassigned %(n)d leads to you.",
                len(moving),
            )
            % {"by": _name(by), "n": len(moving)},
        )
    message = ngettext(
        "%(n)d lead reassigned to %(agent)s.",
        "%(n)d leads reassigned to %(agent)s.",
        len(moving),
    ) % {"n": len(moving), "agent": member.display_name}
    unchanged = len(rows) - len(moving)
    return BulkResult(
        len(moving),
        unchanged,
        _left_alone(message, unchanged, _("%(n)d closed or already theirs were left as they are.")),
    )


def _move_and_record(moving, moves, *, kind: str, by, now) -> None:
    """Write the owner moves and one audit entry per lead (owner, team, assigned at)."""
    write_moves(moves, kind=kind, by=by, now=now)
    record_updates(
        model_label="leads.lead",
        changes=[
            (
                row.pk,
                row.label,
                {"owner_id": row.owner_id, "team_id": row.team_id, "assigned_at": row.assigned_at},
                {"owner_id": to, "team_id": team_id, "assigned_at": now if to else None},
            )
            for row, (_pk, _from, to, team_id, _rule, _why) in zip(moving, moves, strict=True)
        ],
    )


# --- release to the pool ------------------------------------------------------------------


@transaction.atomic
def leads_bulk_release(*, by, selection: Selection, reason: str) -> BulkResult:
    """Return the selected owned, open leads to their team's pool (a lead with no team
    goes to its owner's team's pool), as releasing one lead does; their owners are told
    (one notification each). Leads already in the pool and closed leads are left alone.
    The owners may not claim them back during the claim-back cool-off."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you release the leads.")})
    rows = _locked_rows(by, selection)
    moving = [row for row in rows if row.is_open and row.owner_id is not None]
    now = timezone.now()
    moves = [
        (row.pk, row.owner_id, None, row.team_id or row.owner_team_id, None, reason)
        for row in moving
    ]
    with acting_as(by):
        _move_and_record(moving, moves, kind=Assignment.Kind.RELEASE, by=by, now=now)
    owners = Counter(row.owner_id for row in moving if row.owner_id != by.pk)
    stamp = f"{now:%Y%m%dT%H%M%S}:{uuid.uuid4().hex[:8]}"
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                key=f"leads-released:{stamp}:{user_id}"[:150],
                kind="lead_returned",
                url=reverse("leads:pool"),
                created_at=now,
                text=(
                    ngettext(
                        "%(by)s released %(n)d of your leads to the pool: %(reason)s",
                        "%(by)s released %(n)d of your leads to the pool: %(reason)s",
                        count,
                    )
                    % {"by": _name(by), "n": count, "reason": reason}
                )[:300],
            )
            for user_id, count in sorted(owners.items())
        ]
    )
    message = ngettext(
        "%(n)d lead went back to the pool.", "%(n)d leads went back to the pool.", len(moving)
    ) % {"n": len(moving)}
    unchanged = len(rows) - len(moving)
    return BulkResult(
        len(moving),
        unchanged,
        _left_alone(
            message, unchanged, _("%(n)d already in the pool or closed were left as they are.")
        ),
    )


# --- fields -------------------------------------------------------------------------------


def _leads_by_ids(ids: list[int]):
    """The leads with these ids. On PostgreSQL the ids travel as one text parameter the
    server splits (thousands of placeholders cost more to build than the UPDATE to run;
    see `leads.db.importing.filter_by_phones_pg`)."""
    if not ids or connection.vendor != "postgresql":
        return Lead.objects.filter(pk__in=ids)
    column = connection.ops.quote_name(Lead._meta.pk.column)
    return Lead.objects.filter(
        RawSQL(  # noqa: S611 - a quoted column name; the ids are a parameter
            f"{column} = ANY(string_to_array(%s, ',')::bigint[])",
            [",".join(map(str, ids))],
            BooleanField(),
        )
    )


def _set_field(*, by, changing: list[_Row], field: str, value, now) -> None:
    """One UPDATE of `field` on `changing`, and one audit entry per lead (before/after)."""
    attname = Lead._meta.get_field(field).attname
    _leads_by_ids([row.pk for row in changing]).update(**{attname: value, "updated_at": now})
    with acting_as(by):
        record_updates(
            model_label="leads.lead",
            changes=[
                (row.pk, row.label, {attname: getattr(row, attname)}, {attname: value})
                for row in changing
            ],
        )


@transaction.atomic
def leads_bulk_set_followup(*, by, selection: Selection, at: dt.datetime) -> BulkResult:
    """Set the next follow-up of the selected open leads (their owners are reminded by
    the usual sweep when it comes due). Closed leads are left alone."""
    now = timezone.now()
    if at is None or at <= now:
        raise ValidationError({"next_followup_at": _("The next follow-up must be in the future.")})
    rows = _locked_rows(by, selection)
    changing = [row for row in rows if row.is_open and row.next_followup_at != at]
    _set_field(by=by, changing=changing, field="next_followup_at", value=at, now=now)
    message = ngettext(
        "Next follow-up set to %(when)s on %(n)d lead.",
        "Next follow-up set to %(when)s on %(n)d leads.",
        len(changing),
    ) % {"n": len(changing), "when": timezone.localtime(at).strftime("%Y-%m-%d %H:%M")}
    unchanged = len(rows) - len(changing)
    return BulkResult(
        len(changing),
        unchanged,
        _left_alone(message, unchanged, _("%(n)d closed or already due then were left alone.")),
    )


@transaction.atomic
def leads_bulk_set_campaign(*, by, selection: Selection, campaign: Campaign) -> BulkResult:
    """Put the selected leads (open or closed: a campaign is where a lead came from) in
    an active campaign. Leads already in it are left alone."""
    if campaign is None or not Campaign.objects.filter(pk=campaign.pk, is_active=True).exists():
        raise ValidationError({"campaign": _("Choose an active campaign.")})
    rows = _locked_rows(by, selection)
    changing = [row for row in rows if row.campaign_id != campaign.pk]
    now = timezone.now()
    _set_field(by=by, changing=changing, field="campaign", value=campaign.pk, now=now)
    message = ngettext(
        "%(n)d lead is now in campaign %(campaign)s.",
        "%(n)d leads are now in campaign %(campaign)s.",
        len(changing),
    ) % {"n": len(changing), "campaign": campaign.name}
    unchanged = len(rows) - len(changing)
    return BulkResult(
        len(changing),
        unchanged,
        _left_alone(message, unchanged, _("%(n)d already in it were left alone.")),
    )
