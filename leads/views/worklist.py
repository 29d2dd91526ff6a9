"""The agent's pages: the worklist (where the day starts) and the lead page.

Views parse with a form, call one service and render. Every lead is found through
`leads.access.visible_leads`, so a lead outside the user's scope answers 404 exactly like a
missing one. The quick filters and the follow-up form are htmx: the worklist replaces its
results in place, and a follow-up swaps the lead's work panel (form and timeline) and its
status card without a full reload.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.models import MemberStatus
from crm.views import apply_service_errors, staff_required
from leads import access as leads_access
from leads.forms.worklist import FollowUpForm, LeadEditForm, WorklistFilterForm
from leads.models import Lead
from leads.selectors.leads import TIMELINE_PAGE, lead_data_basis, lead_for_page, lead_timeline
from leads.selectors.worklist import member_status, worklist_for
from leads.services import capture, followups
from risk import access as risk_access
from risk import services as risk
from risk.models import PhoneReveal


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


@staff_required
@require_GET
def worklist(request):
    form = WorklistFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    filters.update(page=request.GET.get("page"), new_page=request.GET.get("new_page"))
    query = request.GET.copy()
    for key in ("page", "new_page"):
        query.pop(key, None)
    context = {
        "form": form,
        "worklist": worklist_for(request.user, filters=filters),
        "query": query.urlencode(),
        "onboarding": member_status(request.user) == MemberStatus.ONBOARDING,
    }
    if _is_htmx(request) and request.headers.get("HX-Target") == "worklist-results":
        return render(request, "leads/worklist/partials/results.html", context)
    return render(request, "leads/worklist/page.html", context)


def _lead_or_404(request, pk: int) -> Lead:
    return get_object_or_404(lead_for_page(request.user), pk=pk)


def _lead_context(request, lead: Lead, form: FollowUpForm | None = None) -> dict:
    may_work = leads_access.can_work_lead(request.user, lead)
    return {
        "lead": lead,
        "phone_shown": risk_access.phone_for(request.user, lead.phone),
        "phone_full": risk_access.sees_full_numbers(request.user),
        # The newest events; a long history in full on request (?history=all).
        "timeline": lead_timeline(
            lead, limit=None if request.GET.get("history") == "all" else TIMELINE_PAGE
        ),
        "may_work": may_work,
        "followup_form": (form or FollowUpForm()) if may_work and lead.is_open else None,
    }


@staff_required
@require_GET
def detail(request, pk: int):
    lead = _lead_or_404(request, pk)
    context = _lead_context(request, lead)
    context["data_basis"] = lead_data_basis(lead)
    return render(request, "leads/lead/detail.html", context)


@staff_required
@require_POST
def followup_create(request, pk: int):
    """Log a follow-up from the lead page; htmx gets the work panel back, others a redirect."""
    lead = _lead_or_404(request, pk)
    form = FollowUpForm(request.POST)
    saved = False
    if form.is_valid():
        try:
            followups.followup_log(lead=lead, agent=request.user, **form.service_kwargs())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            saved = True
    if saved and not _is_htmx(request):
        messages.success(request, _("Follow-up saved."))
        if not lead_for_page(request.user).filter(pk=pk).exists():
            return redirect("leads:worklist")
        return redirect("leads:detail", pk=lead.pk)
    if saved:
        lead = lead_for_page(request.user).filter(pk=pk).first()
        if lead is None:
            # The follow-up sent the lead back to the pool: it is no longer on this desk.
            messages.info(request, _("The lead went back to the pool."))
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("leads:worklist")
            return response
        context = _lead_context(request, lead)
        context["saved"] = True
    else:
        context = _lead_context(request, lead, form)
    status = 200 if saved or _is_htmx(request) else 400
    return render(request, "leads/lead/partials/work.html", context, status=status)


@staff_required
@require_POST
def phone_reveal(request, pk: int):
    """Show the full number (htmx swaps it into the customer card); logged as a reveal."""
    lead = _lead_or_404(request, pk)
    phone = risk.phone_reveal(
        user=request.user,
        lead=lead,
        purpose=PhoneReveal.Purpose.REVEAL,
        reason=request.POST.get("reason", ""),
        ip=risk.client_ip(request),
    )
    return render(
        request,
        "leads/lead/partials/phone.html",
        {"lead": lead, "phone_shown": phone, "phone_full": True, "revealed": True},
    )


class _DialRedirect(HttpResponseRedirect):
    allowed_schemes = ["tel"]


@staff_required
@require_POST
def click_to_call(request, pk: int):
    """Dial the customer: the phone (or softphone) gets the full number; logged."""
    lead = _lead_or_404(request, pk)
    phone = risk.phone_reveal(
        user=request.user,
        lead=lead,
        purpose=PhoneReveal.Purpose.CLICK_TO_CALL,
        ip=risk.client_ip(request),
    )
    return _DialRedirect(f"tel:{phone}")


@staff_required
@require_http_methods(["GET", "POST"])
def lead_edit(request, pk: int):
    lead = _lead_or_404(request, pk)
    if not leads_access.can_work_lead(request.user, lead):
        # Visible but not theirs to change (an inspector, a head): same answer as missing.
        raise Http404
    form = LeadEditForm.for_lead(
        lead,
        request.POST if request.method == "POST" else None,
        show_phone=risk_access.sees_full_numbers(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            capture.lead_update(lead=lead, by=request.user, **form.changes())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Customer details saved."))
            return redirect("leads:detail", pk=lead.pk)
    return render(request, "leads/lead/edit.html", {"lead": lead, "form": form})


urlpatterns = [
    path("", worklist, name="worklist"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/followups/", followup_create, name="followup_create"),
    path("<int:pk>/edit/", lead_edit, name="lead_edit"),
    path("<int:pk>/phone/", phone_reveal, name="phone_reveal"),
    path("<int:pk>/call/", click_to_call, name="click_to_call"),
]
