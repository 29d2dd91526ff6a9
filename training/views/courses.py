"""My training, team training, the course catalog and materials.

Views parse and render; `training.services` acts; every row comes through `crm.access`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm import access
from crm.views import allowed_if, apply_service_errors, error_messages, staff_required
from training import access as training_access

from .. import selectors
from ..forms import (
    ActivateForm,
    CourseForm,
    EnrollForm,
    EnrollmentFilterForm,
    MaterialForm,
    ResultForm,
    SessionForm,
)
from ..models import Course, CourseKind, Enrollment, EnrollmentStatus
from ..services import catalog, enrollments, onboarding_gate

PAGE_SIZE = 50


# --- my training --------------------------------------------------------------------------


@staff_required
@require_GET
def mine(request):
    """My plan (what is still open), history, certificates and how far the next level is."""
    member = getattr(request.user, "member", None)
    if member is None:
        return redirect("training:courses")
    rows = list(selectors.enrollments_of(request.user, member))
    plan = [e for e in rows if e.status in (EnrollmentStatus.ENROLLED, EnrollmentStatus.ABSENT)]
    history = [e for e in rows if e not in plan]
    certificates = [
        e for e in rows if e.status == EnrollmentStatus.PASSED and e.certificate_expires_on
    ]
    return render(
        request,
        "training/mine.html",
        {
            "member": member,
            "plan": plan,
            "history": history,
            "certificates": certificates,
            "row": selectors.my_progress(member),
        },
    )


@staff_required
@require_GET
def onboarding_panel(request):
    """The new hire's remaining required courses, loaded with htmx by the leads worklist and
    pool (which say why no lead comes yet)."""
    remaining = selectors.onboarding_remaining(getattr(request.user, "member", None))
    return render(request, "training/partials/onboarding_panel.html", {"remaining": remaining})


# --- team training ------------------------------------------------------------------------


@allowed_if(training_access.can_see_team_training)
@require_GET
def team(request):
    """Managers: onboarding status of new hires, each agent's progress, enrollments."""
    filters = EnrollmentFilterForm(request.GET or None)
    status = filters.cleaned_data.get("status", "") if filters.is_valid() else ""
    page = Paginator(selectors.team_enrollments(request.user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "training/team.html",
        {
            "rows": selectors.team_members_progress(request.user),
            "page": page,
            "filters": filters,
            "can_manage": training_access.can_manage_training(request.user),
            "can_propose": training_access.can_propose_promotion(request.user),
            "is_admin": access.scope_of(request.user).is_admin,
        },
    )


@allowed_if(training_access.can_manage_training)
@require_http_methods(["GET", "POST"])
def enroll(request):
    form = EnrollForm(request.POST or None, user=request.user, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = enrollments.enroll_many(
                course=data["course"],
                session=data.get("session"),
                members=data.get("members") or [],
                team=data.get("team"),
                by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("%(count)s new enrollments.") % {"count": created})
            return redirect("training:team")
    return render(request, "training/enroll.html", {"form": form}, status=_status(request, form))


def _status(request, form) -> int:
    return 400 if request.method == "POST" and form.errors else 200


@allowed_if(training_access.can_manage_training)
@require_POST
def record_result(request, pk: int):
    enrollment = get_object_or_404(training_access.visible_enrollments(request.user), pk=pk)
    form = ResultForm(request.POST)
    if form.is_valid():
        try:
            enrollments.record_result(
                enrollment=enrollment,
                attended=form.cleaned_data["attended"],
                score=form.cleaned_data.get("score"),
                by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, _("Result recorded."))
    return redirect(request.POST.get("next") or reverse("training:team"))


@allowed_if(training_access.can_manage_training)
@require_POST
def activate(request, member_pk: int):
    """Make an onboarding member active by hand (refused unless all required courses are
    passed; an administrator may override with a reason)."""
    member = get_object_or_404(access.visible_members(request.user), pk=member_pk)
    form = ActivateForm(request.POST)
    form.is_valid()
    try:
        onboarding_gate.onboarding_activate(
            member=member, reason=form.cleaned_data.get("reason", ""), by=request.user
        )
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        messages.success(request, _("%(name)s is now active.") % {"name": member.display_name})
    return redirect("training:team")


# --- the course catalog -------------------------------------------------------------------


@staff_required
@require_GET
def courses(request):
    kind = request.GET.get("kind", "")
    if kind not in CourseKind.values:
        kind = ""
    return render(
        request,
        "training/courses.html",
        {
            "courses": selectors.courses_for_catalog(request.user, kind=kind),
            "kind": kind,
            "kinds": CourseKind.choices,
            "can_configure": training_access.can_configure_training(request.user),
        },
    )


def _course_or_404(request, pk: int) -> Course:
    return get_object_or_404(training_access.visible_courses(request.user), pk=pk)


@staff_required
@require_GET
def course_detail(request, pk: int):
    return _course_page(request, _course_or_404(request, pk))


def _course_page(request, course, *, session_form=None, material_form=None, status=200):
    can_configure = training_access.can_configure_training(request.user)
    member = getattr(request.user, "member", None)
    mine = (
        list(Enrollment.objects.filter(member=member, course=course).select_related("session"))
        if member
        else []
    )
    return render(
        request,
        "training/course_detail.html",
        {
            "course": course,
            "sessions": course.sessions.all(),
            "materials": course.materials.all(),
            "mine": mine,
            "can_configure": can_configure,
            "can_manage": training_access.can_manage_training(request.user),
            "session_form": session_form or (SessionForm() if can_configure else None),
            "material_form": material_form or (MaterialForm() if can_configure else None),
        },
        status=status,
    )


@allowed_if(training_access.can_configure_training)
@require_http_methods(["GET", "POST"])
def course_edit(request, pk: int | None = None):
    course = _course_or_404(request, pk) if pk else None
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        try:
            saved = catalog.course_save(course=form.save(commit=False))
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Course saved."))
            return redirect("training:course", saved.pk)
    return render(
        request,
        "training/course_form.html",
        {"form": form, "course": course},
        status=_status(request, form),
    )


@allowed_if(training_access.can_configure_training)
@require_POST
def session_add(request, pk: int):
    course = _course_or_404(request, pk)
    form = SessionForm(request.POST)
    if form.is_valid():
        session = form.save(commit=False)
        session.course = course
        try:
            catalog.session_save(session=session)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Session added."))
            return redirect("training:course", course.pk)
    return _course_page(request, course, session_form=form, status=400)


@allowed_if(training_access.can_configure_training)
@require_POST
def material_add(request, pk: int):
    course = _course_or_404(request, pk)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            catalog.material_upload(
                course=course, upload=form.cleaned_data["file"], by=request.user
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Material uploaded."))
            return redirect("training:course", course.pk)
    return _course_page(request, course, material_form=form, status=400)


@staff_required
@require_GET
def material_download(request, pk: int):
    """Materials are served only here, to signed-in staff who may see the course."""
    material = get_object_or_404(training_access.visible_materials(request.user), pk=pk)
    try:
        handle = material.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=material.original_name,
        content_type=material.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("", mine, name="mine"),
    path("onboarding/panel/", onboarding_panel, name="onboarding_panel"),
    path("team/", team, name="team"),
    path("team/enroll/", enroll, name="enroll"),
    path("enrollments/<int:pk>/result/", record_result, name="record_result"),
    path("members/<int:member_pk>/activate/", activate, name="activate"),
    path("courses/", courses, name="courses"),
    path("courses/new/", course_edit, name="course_new"),
    path("courses/<int:pk>/", course_detail, name="course"),
    path("courses/<int:pk>/edit/", course_edit, name="course_edit"),
    path("courses/<int:pk>/sessions/", session_add, name="session_add"),
    path("courses/<int:pk>/materials/", material_add, name="material_add"),
    path("materials/<int:pk>/download/", material_download, name="material_download"),
]
