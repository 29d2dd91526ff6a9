"""Managers' pages (team leads, reassignment, export, rules) and the public pool.

Views parse and render; `leads.services.assignment` and `leads.services.pool` act, and
every row comes through `crm.access` (via `leads.selectors`).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm import access, exports
from crm.models import MemberStatus
from crm.pagination import CappedPaginator
from crm.phones import mask
from crm.views import allowed_if, error_messages, query_without_page, staff_required
from leads import access as leads_access
from risk import access as risk_access

from ..forms.team import (
    BulkActionForm,
    PoolFilterForm,
    ReleaseForm,
    TeamLeadFilterForm,
)
from ..models import (
    Channel,
    LawfulBasis,
    LeadPolicy,
    LeadStatus,
    RoutingRule,
    TeamLeadSettings,
)
from ..selectors.leads import with_data_basis
from ..selectors.pool import pool_leads
from ..selectors.team import agent_loads, matching_count, selected_leads, team_leads
from ..selectors.worklist import member_status
from ..services import bulk, pool

PAGE_SIZE = 50


# --- the team's leads -----------------------------------------------------------------------


@allowed_if(access.can_see_team_pages)
@require_GET
def team(request):
    """The leads of the manager's teams with filters, each agent's load, and the bulk bar
    (tick rows or "all N matching", then reassign, release, follow-up, campaign, export)."""
    form = TeamLeadFilterForm(request.GET or None, user=request.user)
    rows = team_leads(request.user, filters=form.filters() if form.is_bound else {})
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    can_manage = leads_access.can_manage_leads(request.user)
    query = query_without_page(request)
    return render(
        request,
        "leads/team/list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "agents": list(agent_loads(request.user)),
            "can_manage": can_manage,
            "bulk_form": BulkActionForm(initial={"query": query}, user=request.user)
            if can_manage
            else None,
            "bulk_texts": _bulk_texts() if can_manage else None,
            "bulk_max": bulk.ALL_MATCHING_MAX,
            "export_formats": exports.FORMATS,
            "export_max_rows": exports.max_rows(),
            "may_export": risk_access.can_export(request.user, "leads"),
        },
    )


def _bulk_texts() -> dict[str, str]:
    """The bulk bar's sentences for its script (`%(n)s` and `%(max)s` filled in there)."""
    return {
        "selected": _("%(n)s selected"),
        "page_all": _("All %(n)s leads on this page are selected."),
        "select_matching": _("Select all %(n)s matching leads"),
        "matching_all": _("All %(n)s matching leads are selected."),
        "over": _(
            "More than %(max)s leads match; a bulk action takes at most %(max)s at a time. "
            "Narrow the filters to act on all of them."
        ),
        "counting": _("Counting the matching leads…"),
    }


@allowed_if(leads_access.can_manage_leads)
@require_GET
def matching(request):
    """How many leads the filters match, counted up to the bulk cap (asked by the page
    only when a manager ticks a whole page of a list longer than its counted pages)."""
    form = TeamLeadFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return JsonResponse({"count": 0, "over": False, "max": bulk.ALL_MATCHING_MAX})
    count = matching_count(
        request.user, filters=form.filters() if form.is_bound else {}, cap=bulk.ALL_MATCHING_MAX
    )
    return JsonResponse(
        {
            "count": min(count, bulk.ALL_MATCHING_MAX),
            "over": count > bulk.ALL_MATCHING_MAX,
            "max": bulk.ALL_MATCHING_MAX,
        }
    )


def _perform(action: str, *, by, selection, data) -> bulk.BulkResult:
    if action == "reassign":
        return bulk.leads_bulk_reassign(
            by=by, selection=selection, agent=data["agent"], reason=data["reason"]
        )
    if action == "release":
        return bulk.leads_bulk_release(by=by, selection=selection, reason=data["reason"])
    if action == "followup":
        return bulk.leads_bulk_set_followup(by=by, selection=selection, at=data["next_followup_at"])
    return bulk.leads_bulk_set_campaign(by=by, selection=selection, campaign=data["campaign"])


@allowed_if(leads_access.can_manage_leads)
@require_POST
def bulk_action(request):
    """One bulk action on the ticked leads or on all the filters match; back to the list
    with what was done (or why not) said above it."""
    data = request.POST
    if "action" not in data:  # the former reassign form posts no action
        data = data.copy()
        data["action"] = "reassign"
    form = BulkActionForm(data, user=request.user)
    back = reverse("leads:team") + (f"?{data['query']}" if data.get("query") else "")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        result = _perform(
            form.cleaned_data["action"],
            by=request.user,
            selection=form.selection(),
            data=form.cleaned_data,
        )
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(request, result.message)
    return redirect(back)


# --- export -------------------------------------------------------------------------------


def _export_header() -> list[str]:
    return [
        _("ID"),
        _("Name"),
        _("Phone"),
        _("Company"),
        _("Region"),
        _("Product of interest"),
        _("Channel"),
        _("Grade"),
        _("Score"),
        _("Status"),
        _("Owner"),
        _("Team"),
        _("Assigned at"),
        _("Last contact"),
        _("Next follow-up"),
        _("Created at"),
        # The data basis (PIPL): how the lead's data came, from its first capture.
        _("Campaign"),
        _("Lawful basis"),
        _("Notice version"),
        _("Consent given at"),
        _("Received at"),
    ]


def _export_rows(rows, *, reveal_phones: bool):
    """Plain values, read in chunks so a 50,000-row export never sits in memory whole."""
    values = with_data_basis(rows).values_list(
        "pk",
        "name",
        "phone",
        "company",
        "region",
        "product",
        "channel",
        "grade",
        "score",
        "status",
        "owner__first_name",
        "owner__username",
        "team__name",
        "assigned_at",
        "last_contact_at",
        "next_followup_at",
        "created_at",
        "basis_campaign",
        "basis_code",
        "basis_notice_version",
        "basis_consented_at",
        "basis_received_at",
    )

    def when(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    # Coded values in words, in the language of the request (resolved now: the rows are
    # written while the response streams).
    channels = {value: str(label) for value, label in Channel.choices}
    statuses = {value: str(label) for value, label in LeadStatus.choices}
    bases = {value: str(label) for value, label in LawfulBasis.choices}

    def lines():
        for row in values.iterator(chunk_size=2000):
            (pk, name, phone, company, region, product, channel, grade, score, status) = row[:10]
            owner_name, owner_username, team_name, assigned, contact, follow, created = row[10:17]
            campaign, basis, notice_version, consented, received = row[17:]
            yield [
                pk,
                name,
                phone if reveal_phones else mask(phone),
                company,
                region,
                product,
                channels.get(channel, channel),
                grade,
                score,
                statuses.get(status, status),
                owner_name or owner_username or "",
                team_name or "",
                when(assigned),
                when(contact),
                when(follow),
                when(created),
                campaign or "",
                bases.get(basis, basis or ""),
                notice_version or "",
                when(consented),
                when(received),
            ]

    return lines()


@allowed_if(leads_access.can_manage_leads)
@require_GET
def export(request):
    """The filtered team leads as CSV or Excel: only what the user may see, capped.

    Phone numbers are masked unless the risk policy lets the user's role see them: an
    export is the easiest way to walk off with the customer list. `export_response`
    checks the role, caps the rows and logs the export.
    """
    ids = request.GET.getlist("lead_ids")
    if ids:  # the ticked rows of the page: only those the user may see
        try:
            wanted = {int(pk) for pk in ids}
        except ValueError:
            wanted = set()
        rows = selected_leads(request.user, lead_ids=sorted(wanted))
        if not wanted or rows.count() != len(wanted):
            messages.error(request, _("Some of the chosen leads are not yours to export."))
            return redirect("leads:team")
    else:
        form = TeamLeadFilterForm(request.GET or None, user=request.user)
        rows = team_leads(request.user, filters=form.filters() if form.is_bound else {})
    fmt = exports.chosen_format(request.GET.get("format"))
    total = rows.count()
    limit = exports.max_rows()
    if total > limit:
        messages.error(
            request,
            _(
                "%(n)d leads match; an export holds at most %(max)d. Narrow the filters and "
                "export again."
            )
            % {"n": total, "max": limit},
        )
        return redirect(reverse("leads:team") + f"?{query_without_page(request)}")
    reveal = risk_access.sees_full_numbers(request.user)
    return exports.export_response(
        request=request,
        kind="leads",
        stem="leads",
        sheet_title=_("Leads"),
        header=_export_header(),
        rows=_export_rows(rows, reveal_phones=reveal),
        fmt=fmt,
    )


# --- the pool -----------------------------------------------------------------------------


@staff_required
@require_GET
def pool_page(request):
    """The public pool: claim buttons for those who work leads, with what they have left."""
    form = PoolFilterForm(request.GET or None)
    rows = pool_leads(request.user, filters=form.filters() if form.is_bound else {})
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    status = member_status(request.user)
    # Claims are offered only to those they will not be refused to (see `lead_claim`).
    can_claim = leads_access.can_work_leads(request.user) and status == MemberStatus.ACTIVE
    return render(
        request,
        "leads/pool/list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "onboarding": status == MemberStatus.ONBOARDING,
            "inactive": leads_access.can_work_leads(request.user) and status != MemberStatus.ACTIVE,
            "can_claim": can_claim,
            "allowance": pool.claim_allowance(request.user) if can_claim else None,
        },
    )


@staff_required
@require_POST
def claim(request, pk: int):
    """Claim one lead. With htmx the row is replaced in place by the outcome."""
    error = ""
    lead = None
    try:
        lead = pool.lead_claim(lead_id=pk, user=request.user)
    except ValidationError as exc:
        error = " ".join(error_messages(exc))
    if request.headers.get("HX-Request"):
        return render(
            request,
            "leads/pool/partials/row_outcome.html",
            {"lead": lead, "error": error, "pk": pk},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Lead %(lead)s is yours now.") % {"lead": lead})
    return redirect("leads:pool")


@staff_required
@require_POST
def release(request, pk: int):
    """Give a lead back to the pool (from the lead page); a reason is required."""
    lead = get_object_or_404(leads_access.visible_leads(request.user), pk=pk)
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why you release the lead."))
        return redirect("leads:detail", pk=lead.pk)
    try:
        pool.lead_release(lead=lead, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
        return redirect("leads:detail", pk=lead.pk)
    messages.success(request, _("Lead %(lead)s went back to the pool.") % {"lead": lead})
    return redirect("leads:worklist")


# --- rules --------------------------------------------------------------------------------


@allowed_if(leads_access.can_configure_leads)
@require_GET
def assignment_rules(request):
    """Routing rules and team strategies at a glance; editing is on the settings pages."""
    return render(
        request,
        "leads/team/rules.html",
        {
            "rules": RoutingRule.objects.select_related("team").order_by("order", "pk"),
            "team_settings": TeamLeadSettings.objects.select_related(
                "team", "last_assigned_to"
            ).order_by("team__name"),
            "policy": LeadPolicy.objects.select_related("default_team").filter(pk=1).first()
            or LeadPolicy.current(),
        },
    )


urlpatterns = [
    path("team/", team, name="team"),
    path("team/reassign/", bulk_action, name="reassign"),
    path("team/bulk/", bulk_action, name="bulk"),
    path("team/matching/", matching, name="team_matching"),
    path("team/export/", export, name="export"),
    path("pool/", pool_page, name="pool"),
    path("pool/<int:pk>/claim/", claim, name="claim"),
    path("<int:pk>/release/", release, name="release"),
    path("rules/", assignment_rules, name="assignment_rules"),
]
