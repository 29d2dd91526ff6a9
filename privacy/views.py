"""Privacy pages (administrators): the request list, logging a request after finding the
person, and a request's page with its actions: download the data file, correct, erase,
close. Views parse and render; `privacy.services` acts."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.views import allowed_if, apply_service_errors, error_messages, query_without_page
from leads.models import Lead
from risk.access import phone_for
from risk.services import client_ip

from . import access, selectors
from .forms import CloseForm, CorrectionForm, PersonSearchForm, RequestFilterForm, RequestOpenForm
from .models import RequestKind
from .person import Person
from .services import erasure
from .services import requests as request_services

PAGE_SIZE = 50
#: At most this many customer records are listed when searching for a person.
FOUND_LIMIT = 50

app_name = "privacy"

handles_requests = allowed_if(access.can_handle_requests)


@handles_requests
@require_GET
def request_list(request):
    form = RequestFilterForm(request.GET or None)
    rows = selectors.requests_for(request.user, **(form.filters() if form.is_bound else {}))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "privacy/list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "today": timezone.localdate(),
        },
    )


def _lead_label(user, lead: Lead) -> str:
    parts = [f"#{lead.pk}", lead.name or "—", phone_for(user, lead.phone)]
    if lead.email:
        parts.append(lead.email)
    return " · ".join(parts)


def _matches_exactly(lead: Lead, data) -> bool:
    try:
        _name, e164, email = request_services.subject_clean(
            phone=data.get("phone", ""), email=data.get("email", "")
        )
    except ValidationError:
        return False
    return bool((e164 and lead.phone == e164) or (email and lead.email.lower() == email))


def _found(user, data) -> tuple[list[Lead], dict[str, int] | None, list[str]]:
    """The customer records matching the typed person, and what they hold, by kind."""
    try:
        name, e164, email = request_services.subject_clean(
            name=data.get("name", ""), phone=data.get("phone", ""), email=data.get("email", "")
        )
    except ValidationError as error:
        return [], None, error_messages(error)
    leads = list(selectors.find_leads(user, phone=e164, email=email, name=name)[: FOUND_LIMIT + 1])
    person = Person.of(
        lead_ids=[lead.pk for lead in leads],
        phones=[e164, *(lead.phone for lead in leads)],
        emails=[email],
        names=[name],
    )
    return leads, selectors.holdings(person), []


@handles_requests
@require_http_methods(["GET", "POST"])
def request_new(request):
    """Search the person (GET), see what was found, then log the request (POST)."""
    data = request.POST if request.method == "POST" else request.GET
    searched = any(data.get(key) for key in ("phone", "email", "name"))
    leads, counts, search_errors = _found(request.user, data) if searched else ([], None, [])
    choices = [(lead.pk, _lead_label(request.user, lead)) for lead in leads[:FOUND_LIMIT]]
    if request.method == "POST":
        form = RequestOpenForm(request.POST, lead_choices=choices)
        if form.is_valid():
            chosen = set(form.cleaned_data["leads"])
            try:
                created = request_services.request_open(
                    kind=form.cleaned_data["kind"],
                    name=form.cleaned_data["name"],
                    phone=form.cleaned_data["phone"],
                    email=form.cleaned_data["email"],
                    details=form.cleaned_data["details"],
                    do_not_call=form.cleaned_data["do_not_call"],
                    leads=[lead for lead in leads if lead.pk in chosen],
                    by=request.user,
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Request #%(id)d logged.") % {"id": created.pk})
                return redirect("privacy:detail", pk=created.pk)
    else:
        initial = {key: data.get(key, "") for key in ("phone", "email", "name")}
        # Ticked: records with the person's number or email. A name alone finds namesakes
        # too, so those wait for the admin to tick them.
        initial["leads"] = [lead.pk for lead in leads if _matches_exactly(lead, data)]
        form = RequestOpenForm(initial=initial, lead_choices=choices)
    return render(
        request,
        "privacy/new.html",
        {
            "search": PersonSearchForm(data or None),
            "form": form,
            "searched": searched,
            "search_errors": search_errors,
            "found": leads[:FOUND_LIMIT],
            "too_many": len(leads) > FOUND_LIMIT,
            "counts": _labelled(counts),
        },
    )


def _labelled(counts: dict[str, int] | None) -> list[tuple[str, int]]:
    if counts is None:
        return []
    return [(str(selectors.HOLDING_LABELS[key]), n) for key, n in counts.items()]


def _request_or_404(request, pk: int):
    return get_object_or_404(access.visible_requests(request.user), pk=pk)


@handles_requests
@require_GET
def request_detail(request, pk: int):
    subject = _request_or_404(request, pk)
    return _detail(request, subject)


def _detail(request, subject, *, correction=None, close=None, status=200):
    person = selectors.person_of(subject)
    leads = list(Lead.objects.filter(pk__in=person.lead_ids).order_by("pk"))
    choices = [(lead.pk, _lead_label(request.user, lead)) for lead in leads]
    blockers = (
        selectors.erasure_blockers(person)
        if subject.is_open and subject.kind == RequestKind.DELETION
        else []
    )
    context = {
        "subject": subject,
        "leads": leads,
        "counts": _labelled(selectors.holdings(person)),
        "events": subject.events.select_related("by").order_by("-at", "-id")[:100],
        "blockers": blockers,
        "correction": correction or CorrectionForm(lead_choices=choices),
        "close": close or CloseForm(),
        "erased": erasure.erased_in_words((subject.outcome_data or {}).get("erased", {})),
        "today": timezone.localdate(),
    }
    return render(request, "privacy/detail.html", context, status=status)


@handles_requests
@require_POST
def request_export(request, pk: int):
    subject = _request_or_404(request, pk)
    try:
        body = request_services.request_export(
            request=subject, by=request.user, ip=client_ip(request)
        )
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
        return redirect("privacy:detail", pk=subject.pk)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="personal-data-request-{subject.pk}-{stamp}.json"'
    )
    return response


@handles_requests
@require_POST
def request_correct(request, pk: int):
    subject = _request_or_404(request, pk)
    person = selectors.person_of(subject)
    leads = {lead.pk: lead for lead in Lead.objects.filter(pk__in=person.lead_ids)}
    choices = [(pk_, _lead_label(request.user, lead)) for pk_, lead in sorted(leads.items())]
    form = CorrectionForm(request.POST, lead_choices=choices)
    if form.is_valid():
        try:
            request_services.request_correct(
                request=subject,
                lead=leads[form.cleaned_data["lead"]],
                by=request.user,
                **form.changes(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The customer record was corrected."))
            return redirect("privacy:detail", pk=subject.pk)
    return _detail(request, subject, correction=form, status=400)


@handles_requests
@require_POST
def request_erase(request, pk: int):
    subject = _request_or_404(request, pk)
    if not request.POST.get("confirm"):
        messages.error(request, _("Tick the box to confirm you have checked who the person is."))
        return redirect("privacy:detail", pk=subject.pk)
    try:
        erasure.erase_person(request=subject, by=request.user)
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(request, _("The person's data was erased."))
    return redirect("privacy:detail", pk=subject.pk)


@handles_requests
@require_POST
def request_close(request, pk: int):
    subject = _request_or_404(request, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            request_services.request_close(
                request=subject,
                status=form.cleaned_data["status"],
                outcome=form.cleaned_data["outcome"],
                by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The request was closed."))
            return redirect("privacy:detail", pk=subject.pk)
    return _detail(request, subject, close=form, status=400)


urlpatterns = [
    path("", request_list, name="list"),
    path("new/", request_new, name="new"),
    path("<int:pk>/", request_detail, name="detail"),
    path("<int:pk>/export/", request_export, name="export"),
    path("<int:pk>/correct/", request_correct, name="correct"),
    path("<int:pk>/erase/", request_erase, name="erase"),
    path("<int:pk>/close/", request_close, name="close"),
]
