"""Capture pages: manual entry, imports (upload, columns, report, progress), the
do-not-call list and inbound API keys. Views parse and render; `leads.services` acts."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.views import allowed_if, apply_service_errors, staff_required
from leads import access as leads_access
from risk import access as risk_access
from risk.services import do_not_call_add, do_not_call_remove

from ..forms.capture import (
    DoNotCallForm,
    ImportColumnsForm,
    ImportUploadForm,
    InboundKeyForm,
    LeadEntryForm,
)
from ..inbound_auth import inbound_key_deactivate, inbound_key_issue
from ..models import ImportJob, ImportRow
from ..selectors import capture as selectors
from ..services import capture, importing

PAGE_SIZE = 50


def _may_import_something(user) -> bool:
    """Managers, heads, admins and agents who take leads import leads; only admins the
    do-not-call list (see leads_access.may_import)."""
    return leads_access.may_import(user, "leads") or leads_access.may_import(user, "dnc")


_importer_required = allowed_if(_may_import_something)
_lead_admin_required = allowed_if(leads_access.can_configure_leads)


# --- manual entry -------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def lead_create(request):
    """Anyone on staff may write down a lead that phoned in or walked up; the rules then
    assign it. A known phone is merged into its lead and the user is told which."""
    form = LeadEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = capture.lead_capture(
                data=form.lead_data(),
                channel=form.cleaned_data["channel"],
                campaign=form.cleaned_data["campaign"],
                by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            lead = result.lead
            if result.created:
                messages.success(request, _("Lead #%(id)d created.") % {"id": lead.pk})
            elif result.duplicate_of is None:
                # Someone else's customer: the capture is recorded on their lead, but which
                # lead and whose is not for this user to learn.
                messages.info(
                    request,
                    _(
                        "This customer is already being followed up; your capture was "
                        "recorded with them."
                    ),
                )
                return redirect("leads:create")
            else:
                messages.info(
                    request,
                    _(
                        "This phone already belongs to lead #%(id)d; the new details were "
                        "added to it where it had none."
                    )
                    % {"id": lead.pk},
                )
            if leads_access.visible_leads(request.user).filter(pk=lead.pk).exists():
                return redirect("leads:detail", pk=lead.pk)
            messages.info(request, _("It will be assigned by the routing rules."))
            return redirect("leads:create")
    return render(request, "leads/capture/lead_form.html", {"form": form})


# --- imports ------------------------------------------------------------------------------


@_importer_required
def import_list(request):
    page = Paginator(selectors.imports_for_list(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "leads/capture/import_list.html", {"page": page, "query": ""})


@_importer_required
@require_http_methods(["GET", "POST"])
def import_create(request):
    allow_dnc = leads_access.may_import(request.user, "dnc")
    initial = {"kind": "dnc"} if allow_dnc and request.GET.get("kind") == "dnc" else None
    form = ImportUploadForm(
        request.POST or None, request.FILES or None, allow_dnc=allow_dnc, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        if not leads_access.may_import(request.user, kind):
            raise PermissionDenied
        check = form.cleaned_data["check_columns"]
        try:
            job = importing.import_job_create(
                file=form.cleaned_data["file"],
                by=request.user,
                kind=kind,
                channel=form.cleaned_data["channel"],
                campaign=form.cleaned_data["campaign"],
                start=False,
                stated_basis=form.stated_basis(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            preview = importing.import_preview(job=job)
            if check or "phone" not in preview.columns.values():
                return redirect("leads:import_columns", pk=job.pk)
            importing.import_job_start(job=job)
            return redirect("leads:import_detail", pk=job.pk)
    return render(
        request,
        "leads/capture/import_create.html",
        # An agent's new leads are theirs: say so, with where they stand today.
        {"form": form, "capacity": importing.agent_capacity_today(request.user)},
    )


def _own_pending_job(request, pk: int) -> ImportJob:
    job = selectors.import_for_user(request.user, pk)
    if job is None or job.created_by_id != request.user.pk:
        raise Http404
    return job


@_importer_required
@require_http_methods(["GET", "POST"])
def import_columns(request, pk: int):
    """The optional step between upload and run: which column fills which field."""
    job = _own_pending_job(request, pk)
    if job.status != ImportJob.Status.PENDING:
        return redirect("leads:import_detail", pk=job.pk)
    preview = importing.import_preview(job=job)
    form = ImportColumnsForm(
        request.POST or None, header=preview.header, columns=preview.columns, kind=job.kind
    )
    if request.method == "POST" and form.is_valid():
        try:
            importing.import_job_start(job=job, mapping=form.mapping())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect("leads:import_detail", pk=job.pk)
    columns = [
        (
            form[f"column_{index}"],
            [row[index] if index < len(row) else "" for row in preview.sample],
        )
        for index in range(len(preview.header))
    ]
    return render(
        request,
        "leads/capture/import_columns.html",
        {"job": job, "form": form, "columns": columns},
    )


def _visible_job(request, pk: int) -> ImportJob:
    job = selectors.import_for_user(request.user, pk)
    if job is None:
        raise Http404
    return job


@_importer_required
def import_detail(request, pk: int):
    job = _visible_job(request, pk)
    outcome = request.GET.get("outcome")
    if outcome not in ImportRow.Outcome.values:
        outcome = None
    page = Paginator(selectors.import_rows(job, outcome=outcome), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "leads/capture/import_detail.html",
        {
            "job": job,
            "page": page,
            "outcome": outcome,
            "query": f"outcome={outcome}" if outcome else "",
            "earlier": selectors.earlier_import_of_same_file(request.user, job),
            "awaiting_columns": job.status == ImportJob.Status.PENDING
            and job.created_by_id == request.user.pk,
            "capacity": importing.agent_capacity_today(request.user)
            if job.created_by_id == request.user.pk and job.kind == ImportJob.Kind.LEADS
            else None,
        },
    )


@_importer_required
def import_progress(request, pk: int):
    """The progress card, polled by htmx every second while the import runs."""
    job = _visible_job(request, pk)
    return render(request, "leads/capture/partials/import_progress.html", {"job": job})


# --- do-not-call --------------------------------------------------------------------------


def _dnc_reader_required(view):
    """Admins edit the list; heads and inspectors read it; agents and managers are only
    told whether a number is on it (at capture and before a call)."""

    @staff_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not risk_access.visible_do_not_call(
            request.user
        ).query.is_empty() or leads_access.can_configure_leads(request.user):
            return view(request, *args, **kwargs)
        raise PermissionDenied

    return wrapped


@_dnc_reader_required
@require_http_methods(["GET", "POST"])
def dnc_list(request):
    can_edit = leads_access.can_configure_leads(request.user)
    form = DoNotCallForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                entry = do_not_call_add(
                    phone=form.cleaned_data["phone"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(phone)s is on the do-not-call list; its open leads were closed.")
                    % {"phone": entry.phone},
                )
                return redirect("leads:dnc_list")
    search = request.GET.get("q", "")
    page = Paginator(
        selectors.do_not_call_for_list(request.user, search=search), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "leads/capture/dnc_list.html",
        {
            "page": page,
            "form": form,
            "can_edit": can_edit,
            "search": search,
            "query": f"q={search}" if search else "",
        },
    )


@_lead_admin_required
@require_POST
def dnc_remove(request):
    phone = request.POST.get("phone", "")
    if do_not_call_remove(phone=phone, by=request.user):
        messages.success(
            request,
            _("%(phone)s was taken off the do-not-call list; leads it closed stay closed.")
            % {"phone": phone},
        )
    return redirect("leads:dnc_list")


# --- inbound API keys ---------------------------------------------------------------------


@_lead_admin_required
@require_http_methods(["GET", "POST"])
def inbound_keys(request):
    """Issue keys for web forms and ad platforms; the key is shown on this response only."""
    form = InboundKeyForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        _key, issued = inbound_key_issue(
            name=form.cleaned_data["name"],
            channel=form.cleaned_data["channel"],
            campaign=form.cleaned_data["campaign"],
        )
        messages.warning(request, _("Copy the key now: it will not be shown again."))
        form = InboundKeyForm()
    keys = Paginator(selectors.inbound_keys_for_list(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "leads/capture/inbound_keys.html",
        {
            "form": form,
            "issued": issued,
            "page": keys,
            "query": "",
            "endpoint": request.build_absolute_uri(reverse("leads-inbound")),
        },
    )


@_lead_admin_required
@require_POST
def inbound_key_disable(request, pk: int):
    key = selectors.inbound_keys_for_list(request.user).filter(pk=pk).first()
    if key is None:
        raise Http404
    inbound_key_deactivate(key=key)
    messages.success(request, _("Key “%(name)s” no longer works.") % {"name": key.name})
    return redirect("leads:inbound_keys")


urlpatterns = [
    path("new/", lead_create, name="create"),
    path("imports/", import_list, name="import_list"),
    path("imports/new/", import_create, name="import_create"),
    path("imports/<int:pk>/", import_detail, name="import_detail"),
    path("imports/<int:pk>/columns/", import_columns, name="import_columns"),
    path("imports/<int:pk>/progress/", import_progress, name="import_progress"),
    path("do-not-call/", dnc_list, name="dnc_list"),
    path("do-not-call/remove/", dnc_remove, name="dnc_remove"),
    path("inbound-keys/", inbound_keys, name="inbound_keys"),
    path("inbound-keys/<int:pk>/disable/", inbound_key_disable, name="inbound_key_disable"),
]
