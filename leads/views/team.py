"""Managers' pages (team leads, reassignment, export, rules) and the public pool.

Views parse and render; `leads.services.assignment` and `leads.services.pool` act, and
every row comes through `crm.access` (via `leads.selectors`).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
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
    PoolFilterForm,
    ReassignForm,
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
from ..selectors.team import agent_loads, team_leads
from ..selectors.worklist import member_status
from ..services import assignment, pool

PAGE_SIZE = 50


# --- the team's leads -----------------------------------------------------------------------


@allowed_if(access.can_see_team_pages)
@require_GET
def team(request):
    """The leads of the manager's teams with filters, each agent's load, bulk reassign."""
    form = TeamLeadFilterForm(request.GET or None, user=request.user)
    rows = team_leads(request.user, filters=form.filters() if form.is_bound else {})
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    can_manage = leads_access.can_manage_leads(request.user)
    return render(
        request,
        "leads/team/list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "agents": list(agent_loads(request.user)),
            "can_manage": can_manage,
            "reassign_form": ReassignForm(user=request.user) if can_manage else None,
            "export_formats": exports.FORMATS,
            "export_max_rows": exports.max_rows(),
            "may_export": risk_access.can_export(request.user, "leads"),
        },
    )


@allowed_if(leads_access.can_manage_leads)
@require_POST
def reassign(request):
    form = ReassignForm(request.POST, user=request.user)
    back = reverse("leads:team") + (
        f"?{request.POST['query']}" if request.POST.get("query") else ""
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        moved = assignment.leads_reassign(
            lead_ids=form.cleaned_data["lead_ids"],
            agent=form.cleaned_data["agent"],
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(n)d leads reassigned to %(agent)s.")
            % {"n": moved, "agent": form.cleaned_data["agent"].get_full_name()},
        )
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
    path("team/reassign/", reassign, name="reassign"),
    path("team/export/", export, name="export"),
    path("pool/", pool_page, name="pool"),
    path("pool/<int:pk>/claim/", claim, name="claim"),
    path("<int:pk>/release/", release, name="release"),
    path("rules/", assignment_rules, name="assignment_rules"),
]
