"""The agent's day (工作台): what to work first, as a fixed handful of indexed queries.

Sections, in the order an agent works them:
1. due: follow-ups overdue and due today, earliest first (index `lead_worklist`:
   owner, status, next_followup_at);
2. new: new leads assigned to them with nothing scheduled yet, grade A first, then the
   longest-waiting first (index `lead_owner_grade`: owner, status, grade, created_at).
   Oldest-first inside a grade because those are the ones the automatic reclaim will
   take back soonest;
3. search results replace both when the agent searches: a phone number in any written
   form is one probe of the unique index over every lead they may see (a customer
   calling in may belong to a colleague in a manager's scope); a name is searched in
   their own leads.

Managers also sell, so "my worklist" is always the leads the user owns, taken from
`leads.access.visible_leads` so the scope rule still holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from crm.phones import normalize_or_none
from crm.prepared import Prepared
from leads import access as leads_access
from leads.models import OPEN_STATUSES, Lead, LeadStatus
from leads.services import calling
from leads.services.calling import CallingRules

from .leads import LIST_FIELDS, search_leads

PAGE_SIZE = 25
DUE_CHOICES = ("overdue", "today", "upcoming")

# The worklist rows are the user's own: no owner or team to join.
_ROW_FIELDS = (
    *(f for f in LIST_FIELDS if "__" not in f and f not in ("owner", "team")),
    "missed_calls",
    "intent",
)
# The customer's tier after the sale (the customers app, above this one, keeps it; the
# lead names it by string): one LEFT JOIN of the page's rows, no query of its own.
_TIER_PATH = "customer__tier"
_TIER_FIELDS = ("customer__tier__name",)


@dataclass
class Worklist:
    now: dt.datetime
    due: Page | None = None
    new: Page | None = None
    results: Page | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def searching(self) -> bool:
        return self.results is not None


def day_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of the local day (the center's time zone): "today" for an agent."""
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=1)


def _refine(queryset: QuerySet[Lead], filters: Mapping) -> QuerySet[Lead]:
    """The quick filters shared by every section."""
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("grade"):
        queryset = queryset.filter(grade=filters["grade"])
    if filters.get("channel"):
        queryset = queryset.filter(channel=filters["channel"])
    return queryset


def _page(
    rows: QuerySet[Lead] | list[Lead],
    number,
    *,
    now: dt.datetime,
    rules: CallingRules,
    count: int | None = None,
) -> Page:
    """A page of leads, each knowing when it may next be called (`next_callable_at`).

    The count runs on the plain query unless the caller already knows it (`count`); the
    page's own query carries the attempt counts as subqueries when caps are set, so no
    query is added per row. `rows` may be a first page already read (the prepared path,
    which runs only without caps).
    """
    paginator = Paginator(rows, PAGE_SIZE)
    if count is not None:
        paginator.count = count  # a cached_property: the COUNT query is not run
    page = paginator.get_page(number)
    if rules.has_caps and page.paginator.count:
        start = (page.number - 1) * PAGE_SIZE
        items = list(calling.annotate_attempts(rows, now)[start : start + PAGE_SIZE])
    else:
        items = list(page.object_list)
    calling.mark_next_callable(items, now=now, rules=rules)
    page.object_list = items
    return page


# The worklist as an agent opens it (no search, no quick filter, first pages, no attempt
# caps): three prepared queries (`crm.prepared`), built and compiled once per connection.
# The general path below reads the same rows; tests hold the two to the same answer.
_plain_counts = Prepared(
    lambda owner_id, now, end_of_today: (
        leads_access.owned_leads(owner_id)
        .filter(status__in=OPEN_STATUSES)
        .order_by()
        .values("owner_id")
        .annotate(
            overdue=Count("status", filter=Q(next_followup_at__lt=now)),
            today=Count(
                "status", filter=Q(next_followup_at__gte=now, next_followup_at__lt=end_of_today)
            ),
            new=Count("status", filter=Q(status=LeadStatus.NEW, next_followup_at__isnull=True)),
        )
        .values_list("overdue", "today", "new")
    ),
    owner_id=int,
    now=dt.datetime,
    end_of_today=dt.datetime,
)
_plain_due = Prepared(
    lambda owner_id, end_of_today: (
        leads_access.owned_leads(owner_id)
        .filter(status__in=OPEN_STATUSES, next_followup_at__lt=end_of_today)
        .select_related(_TIER_PATH)
        .only(*_ROW_FIELDS, *_TIER_FIELDS)
        .order_by("next_followup_at", "grade", "id")[:PAGE_SIZE]
    ),
    owner_id=int,
    end_of_today=dt.datetime,
)
_plain_new = Prepared(
    lambda owner_id: (
        leads_access.owned_leads(owner_id)
        .filter(status=LeadStatus.NEW, next_followup_at__isnull=True)
        .select_related(_TIER_PATH)
        .only(*_ROW_FIELDS, *_TIER_FIELDS)
        .order_by("grade", "created_at", "id")[:PAGE_SIZE]
    ),
    owner_id=int,
)


def _is_plain(user, filters: Mapping, rules: CallingRules) -> bool:
    return (
        not rules.has_caps
        and not any(filters.get(name) for name in ("q", "status", "grade", "channel", "due"))
        and all(str(filters.get(name) or "1") == "1" for name in ("page", "new_page"))
        and leads_access.owns_leads_in_scope(user)
    )


def _plain_worklist(user, *, now: dt.datetime, rules: CallingRules) -> Worklist:
    _start, end_of_today = day_bounds(now)
    counts = _plain_counts(owner_id=user.pk, now=now, end_of_today=end_of_today)
    overdue, today, new = counts[0] if counts else (0, 0, 0)
    worklist = Worklist(now=now, counts={"overdue": overdue, "today": today, "new": new})
    due = _plain_due(owner_id=user.pk, end_of_today=end_of_today) if overdue + today else []
    worklist.due = _page(due, 1, now=now, rules=rules, count=overdue + today)
    fresh = _plain_new(owner_id=user.pk) if new else []
    worklist.new = _page(fresh, 1, now=now, rules=rules, count=new)
    return worklist


def worklist_for(user, *, filters: Mapping, now: dt.datetime | None = None) -> Worklist:
    """The user's worklist for `filters` (q, status, grade, channel, due, page, new_page).

    A fixed handful of queries whatever the number of leads: the section counts (one
    aggregate), then a page for each section shown, and a count for each section the
    quick filters narrow (unfiltered, the aggregate's counts are the sections' sizes).
    The calling rules are kept per process (`crm.config`).
    """
    now = now or timezone.now()
    rules = calling.CallingRules.load()
    if _is_plain(user, filters, rules):
        return _plain_worklist(user, now=now, rules=rules)
    _start, end_of_today = day_bounds(now)
    mine = leads_access.visible_leads(user).filter(owner_id=user.pk)
    worklist = Worklist(now=now)

    # COUNT(status), not COUNT(id): every column asked is in the (owner, status, next follow-up)
    # index, so an agent's thousands of open leads are counted index-only.
    worklist.counts = mine.filter(status__in=OPEN_STATUSES).aggregate(
        overdue=Count("status", filter=Q(next_followup_at__lt=now)),
        today=Count(
            "status", filter=Q(next_followup_at__gte=now, next_followup_at__lt=end_of_today)
        ),
        new=Count("status", filter=Q(status=LeadStatus.NEW, next_followup_at__isnull=True)),
    )

    query = (filters.get("q") or "").strip()
    if query:
        # A phone number is searched across the user's whole scope (one unique-index
        # probe); a name only in their own leads (a bounded scan).
        in_scope = leads_access.visible_leads(user).select_related("owner", "team")
        if normalize_or_none(query) is None:
            in_scope = in_scope.filter(owner_id=user.pk)
        rows = _refine(search_leads(in_scope, query, user=user), filters)
        rows = (
            rows.select_related(_TIER_PATH)
            .only(*LIST_FIELDS, *_TIER_FIELDS)
            .order_by("-created_at", "-id")
        )
        worklist.results = _page(rows, filters.get("page"), now=now, rules=rules)
        return worklist

    due = filters.get("due") or ""
    # Without quick filters the sections are exactly what the aggregate counted.
    plain = not any(filters.get(name) for name in ("status", "grade", "channel"))
    scheduled = _refine(mine.filter(status__in=OPEN_STATUSES), filters)
    if due == "overdue":
        scheduled = scheduled.filter(next_followup_at__lt=now)
    elif due == "today":
        scheduled = scheduled.filter(next_followup_at__gte=now, next_followup_at__lt=end_of_today)
    elif due == "upcoming":
        scheduled = scheduled.filter(next_followup_at__gte=end_of_today)
    else:
        scheduled = scheduled.filter(next_followup_at__lt=end_of_today)
    scheduled = (
        scheduled.select_related(_TIER_PATH)
        .only(*_ROW_FIELDS, *_TIER_FIELDS)
        .order_by("next_followup_at", "grade", "id")
    )
    due_count = worklist.counts["overdue"] + worklist.counts["today"]
    worklist.due = _page(
        scheduled,
        filters.get("page"),
        now=now,
        rules=rules,
        count=due_count if plain and not due else None,
    )

    if not due and filters.get("status") in (None, "", LeadStatus.NEW):
        fresh = _refine(mine.filter(status=LeadStatus.NEW, next_followup_at__isnull=True), filters)
        fresh = (
            fresh.select_related(_TIER_PATH)
            .only(*_ROW_FIELDS, *_TIER_FIELDS)
            .order_by("grade", "created_at", "id")
        )
        worklist.new = _page(
            fresh,
            filters.get("new_page"),
            now=now,
            rules=rules,
            count=worklist.counts["new"] if plain else None,
        )
    return worklist


def member_status(user) -> str | None:
    """The user's member status (onboarding, active, …): the worklist and the pool tell a
    new hire why no lead comes yet instead of offering claims that would be refused.

    The signed-in user's member comes with the user (`crm.auth` selects it): no query.
    """
    member = getattr(user, "member", None)
    return member.status if member is not None else None
