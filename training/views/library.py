"""Promotion proposals, call scripts (also beside the lead) and the case library."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.views import (
    allowed_if,
    apply_service_errors,
    error_messages,
    query_without_page,
    staff_required,
)
from leads import access as leads_access
from training import access as training_access

from .. import selectors
from ..forms import CaseFilterForm, CaseForm, CommentForm, DecisionForm, FeatureForm, ProposalForm
from ..models import CaseTag, ProposalStatus
from ..services import call_scripts, case_library, promotions

PAGE_SIZE = 30


def _error_messages(request, error: ValidationError) -> None:
    for message in error_messages(error):
        messages.error(request, message)


# --- promotions ---------------------------------------------------------------------------


@allowed_if(training_access.can_see_team_training)
@require_GET
def proposals(request):
    status = request.GET.get("status", "")
    if status not in ProposalStatus.values:
        status = ""
    page = Paginator(selectors.proposals_for(request.user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "training/proposals.html",
        {
            "page": page,
            "status": status,
            "statuses": ProposalStatus.choices,
            "can_approve": training_access.can_approve_promotion(request.user),
        },
    )


@allowed_if(training_access.can_propose_promotion)
@require_http_methods(["GET", "POST"])
def propose(request):
    form = ProposalForm(request.POST or None, user=request.user, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        try:
            promotions.promotion_propose(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Promotion proposed; a head decides."))
            return redirect("training:proposals")
    status = 400 if request.method == "POST" else 200
    return render(request, "training/propose.html", {"form": form}, status=status)


@allowed_if(training_access.can_approve_promotion)
@require_POST
def decide(request, pk: int, decision: str):
    proposal = get_object_or_404(training_access.visible_promotion_proposals(request.user), pk=pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    note = form.cleaned_data.get("note", "")
    try:
        if decision == "approve":
            promotions.promotion_approve(proposal=proposal, note=note, by=request.user)
            messages.success(request, _("Promotion approved."))
        else:
            promotions.promotion_reject(proposal=proposal, note=note, by=request.user)
            messages.success(request, _("Promotion rejected."))
    except ValidationError as error:
        _error_messages(request, error)
    return redirect("training:proposals")


# --- call scripts -------------------------------------------------------------------------


@staff_required
@require_GET
def scripts(request):
    product = request.GET.get("product")
    return render(
        request,
        "training/scripts.html",
        {
            "scripts": selectors.scripts_list(
                request.user, product=product, active_only=request.GET.get("all") != "1"
            ),
            "product": product,
            "products": sorted(
                set(
                    training_access.visible_call_scripts(request.user).values_list(
                        "product", flat=True
                    )
                )
            ),
            "can_configure": training_access.can_configure_training(request.user),
        },
    )


@staff_required
@require_GET
def script_detail(request, pk: int):
    script = get_object_or_404(
        training_access.visible_call_scripts(request.user).select_related("published_by"), pk=pk
    )
    versions = training_access.visible_call_scripts(request.user).filter(
        product=script.product, stage=script.stage
    )
    return render(request, "training/script_detail.html", {"script": script, "versions": versions})


@allowed_if(training_access.can_configure_training)
@require_http_methods(["GET", "POST"])
def script_publish(request):
    from ..forms import ScriptForm

    initial = {}
    base = request.GET.get("from")
    if base and base.isdigit():
        source = training_access.visible_call_scripts(request.user).filter(pk=int(base)).first()
        if source:
            initial = {
                "product": source.product,
                "stage": source.stage,
                "title": source.title,
                "body": source.body,
            }
    form = ScriptForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            script = call_scripts.script_publish(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Version %(n)s published.") % {"n": script.version})
            return redirect("training:script", script.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "training/script_form.html", {"form": form}, status=status)


@staff_required
@require_GET
def scripts_for_lead(request, lead_pk: int):
    """The htmx partial beside a lead: the active scripts of its product, by stage."""
    lead = get_object_or_404(
        leads_access.visible_leads(request.user).only("pk", "product"), pk=lead_pk
    )
    return render(
        request,
        "training/partials/lead_scripts.html",
        {"lead": lead, "groups": selectors.scripts_for_lead(request.user, lead)},
    )


# --- the case library ---------------------------------------------------------------------


@staff_required
@require_GET
def cases(request):
    form = CaseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.cases_search(
        request.user,
        q=filters.get("q", ""),
        tag=filters.get("tag", ""),
        outcome=filters.get("outcome", ""),
        featured=filters.get("featured", False),
    )
    return render(
        request,
        "training/cases.html",
        {
            "form": form,
            "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
            "query": query_without_page(request),
            "tags": CaseTag.objects.order_by("name")[:50],
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def case_write(request):
    form = CaseForm(request.POST or None, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lead = None
        if data.get("lead"):
            lead = leads_access.visible_leads(request.user).filter(pk=data["lead"]).first()
            if lead is None:
                form.add_error("lead", _("You cannot link a lead you do not see."))
        if not form.errors:
            try:
                case = case_library.case_write(
                    by=request.user,
                    title=data["title"],
                    outcome=data["outcome"],
                    body=data["body"],
                    lessons=data["lessons"],
                    tags=case_library.parse_tags(text=data["tags"]),
                    lead=lead,
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Case shared."))
                return redirect("training:case", case.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "training/case_form.html", {"form": form}, status=status)


@staff_required
@require_GET
def case_detail(request, pk: int):
    case = selectors.case_detail(request.user, pk)
    can_feature = training_access.can_feature_case(request.user)
    lead_visible = (
        case.lead_id is not None
        and leads_access.visible_leads(request.user).filter(pk=case.lead_id).exists()
    )
    return render(
        request,
        "training/case_detail.html",
        {
            "case": case,
            "comment_form": CommentForm(),
            "feature_form": FeatureForm(
                user=request.user, initial={"team": case.featured_for_team_id}
            )
            if can_feature
            else None,
            "lead_visible": lead_visible,
        },
    )


@staff_required
@require_POST
def case_comment(request, pk: int):
    case = get_object_or_404(training_access.visible_cases(request.user), pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            case_library.case_comment(case=case, body=form.cleaned_data["body"], by=request.user)
        except ValidationError as error:
            _error_messages(request, error)
    else:
        messages.error(request, _("The comment is empty."))
    return redirect("training:case", case.pk)


@allowed_if(training_access.can_feature_case)
@require_POST
def case_feature(request, pk: int):
    case = get_object_or_404(training_access.visible_cases(request.user), pk=pk)
    form = FeatureForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            case_library.case_feature(
                case=case, team=form.cleaned_data.get("team"), by=request.user
            )
        except ValidationError as error:
            _error_messages(request, error)
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Choose one of your teams."))
    return redirect("training:case", case.pk)


urlpatterns = [
    path("promotions/", proposals, name="proposals"),
    path("promotions/propose/", propose, name="propose"),
    path(
        "promotions/<int:pk>/approve/",
        decide,
        {"decision": "approve"},
        name="proposal_approve",
    ),
    path("promotions/<int:pk>/reject/", decide, {"decision": "reject"}, name="proposal_reject"),
    path("scripts/", scripts, name="scripts"),
    path("scripts/new/", script_publish, name="script_publish"),
    path("scripts/<int:pk>/", script_detail, name="script"),
    path("scripts/for-lead/<int:lead_pk>/", scripts_for_lead, name="lead_scripts"),
    path("cases/", cases, name="cases"),
    path("cases/new/", case_write, name="case_new"),
    path("cases/<int:pk>/", case_detail, name="case"),
    path("cases/<int:pk>/comments/", case_comment, name="case_comment"),
    path("cases/<int:pk>/feature/", case_feature, name="case_feature"),
]
