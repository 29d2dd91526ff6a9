"""Pages of the shell and the org. Views parse input and render; `crm.services` acts."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import access, selectors, services
from .filters import MemberFilter
from .forms import (
    DepartmentForm,
    MemberCreateForm,
    MemberMoveForm,
    MemberProfileForm,
    MemberStatusForm,
    TeamForm,
)
from .models import Department, Role, Team


def staff_required(view):
    """Signed in with a member profile; anyone else is sent to sign in."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if access.scope_of(request.user).user_id is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def allowed_if(predicate):
    """Staff for whom `predicate(user)` holds (one of the `crm.access.can_*` rules)."""

    def decorator(view):
        @staff_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not predicate(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


org_admin_required = allowed_if(access.can_manage_org)


def error_messages(error: ValidationError) -> list[str]:
    """Every message of a service's ValidationError, for `messages.error` on a page."""
    if hasattr(error, "error_dict"):
        return [message for messages_ in error.message_dict.values() for message in messages_]
    return error.messages


def query_without_page(request) -> str:
    """The list's query string without `page`: for pager links and export buttons."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def apply_service_errors(form, error: ValidationError) -> None:
    """Show a service's refusal next to the field it names (or above the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- home -------------------------------------------------------------------------------


@staff_required
def home(request):
    """Each role starts somewhere else: my work, my team, my departments, the settings."""
    scope = access.scope_of(request.user)
    member = getattr(request.user, "member", None)
    context = {"member": member, "scope": scope}
    if scope.role == Role.AGENT:
        team = (
            access.visible_teams(request.user)
            .select_related("manager", "department")
            .filter(pk=scope.own_team_id)
            .first()
        )
        memberships, events = selectors.member_history(member)
        context.update(team=team, memberships=memberships[:5], events=events[:5])
        return render(request, "crm/home_agent.html", context)
    if scope.role == Role.TEAM_MANAGER:
        teams = list(selectors.teams_with_headcount(request.user))
        members = selectors.members_for_list(request.user).order_by("status", "employee_no")
        context.update(
            teams=teams,
            members=members,
            stats=selectors.attrition_this_month(request.user),
            events=selectors.recent_member_events(request.user, limit=8),
        )
        return render(request, "crm/home_manager.html", context)
    context.update(
        teams=list(
            selectors.teams_with_headcount(request.user).order_by("department__path", "name")
        ),
        stats=selectors.attrition_this_month(request.user),
        events=selectors.recent_member_events(request.user, limit=10),
        departments=access.visible_departments(request.user).count(),
    )
    template = "crm/home_admin.html" if scope.role == Role.ADMIN else "crm/home_head.html"
    return render(request, template, context)


# --- org tree ---------------------------------------------------------------------------


@staff_required
def org_tree(request):
    return render(
        request,
        "crm/org_tree.html",
        {
            "forest": selectors.org_tree(request.user),
            "can_manage": access.can_manage_org(request.user),
        },
    )


@staff_required
def team_members(request, pk: int):
    """A team's members, loaded into the org tree when the team is opened (htmx)."""
    team = get_object_or_404(access.visible_teams(request.user), pk=pk)
    members = selectors.seated_members(request.user).filter(team=team)
    return render(request, "crm/partials/team_members.html", {"members": members})


@org_admin_required
@require_http_methods(["GET", "POST"])
def department_edit(request, pk: int | None = None):
    department = get_object_or_404(Department, pk=pk) if pk else Department()
    form = DepartmentForm(request.POST or None, instance=department)
    if request.method == "POST" and form.is_valid():
        try:
            services.department_save(department=form.instance, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Department saved."))
            return redirect("org:tree")
    return render(request, "crm/form_page.html", {"form": form, "title": _("Department")})


@org_admin_required
@require_http_methods(["GET", "POST"])
def team_edit(request, pk: int | None = None):
    team = get_object_or_404(Team, pk=pk) if pk else Team()
    form = TeamForm(request.POST or None, instance=team)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_save(team=form.instance, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Team saved."))
            return redirect("org:tree")
    return render(request, "crm/form_page.html", {"form": form, "title": _("Team")})


# --- members ----------------------------------------------------------------------------


@staff_required
def member_list(request):
    members = selectors.members_for_list(request.user)
    member_filter = MemberFilter(request.GET or None, queryset=members, request=request)
    member_filter.form.fields["team"].widget.attrs["placeholder"] = _("team id")
    rows = member_filter.qs if member_filter.is_bound and member_filter.is_valid() else members
    page = Paginator(rows.order_by("employee_no"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "crm/member_list.html",
        {
            "filter": member_filter,
            "page": page,
            "query": query.urlencode(),
            "teams": access.visible_teams(request.user).order_by("name"),
            "can_manage": access.can_manage_org(request.user),
        },
    )


@staff_required
def member_detail(request, pk: int):
    member = get_object_or_404(selectors.members_for_list(request.user), pk=pk)
    memberships, events = selectors.member_history(member)
    can_manage = access.can_manage_org(request.user)
    return render(
        request,
        "crm/member_detail.html",
        {
            "member": member,
            "memberships": memberships,
            "events": events,
            "can_manage": can_manage,
            "move_form": MemberMoveForm(member=member) if can_manage else None,
            "status_form": MemberStatusForm() if can_manage else None,
        },
    )


@org_admin_required
@require_http_methods(["GET", "POST"])
def member_create(request):
    form = MemberCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        skills = list(data.pop("skills"))
        try:
            member = services.member_create(**data, skills=skills, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": member.display_name})
            return redirect("org:member_detail", pk=member.pk)
    return render(request, "crm/form_page.html", {"form": form, "title": _("New staff member")})


@org_admin_required
@require_http_methods(["GET", "POST"])
def member_edit(request, pk: int):
    member = get_object_or_404(selectors.members_for_list(request.user), pk=pk)
    is_self = member.user_id == request.user.pk
    form = MemberProfileForm(request.POST or None, instance=member, is_self=is_self)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        skills = list(data.pop("skills"))
        data["confirm"] = bool(data.pop("confirm", False))
        try:
            # The form has already written the new values onto its instance; the service
            # compares against a fresh copy so the change record shows before and after.
            fresh = selectors.members_for_list(request.user).get(pk=member.pk)
            services.member_update(member=fresh, skills=skills, by=request.user, **data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Profile saved."))
            return redirect("org:member_detail", pk=member.pk)
    return render(
        request,
        "crm/form_page.html",
        {"form": form, "title": _("Edit %(name)s") % {"name": member.display_name}},
    )


def _member_action(request, pk: int, form_class, perform, template: str):
    """A move or status change posted from the member page (htmx swaps just the form)."""
    member = get_object_or_404(selectors.members_for_list(request.user), pk=pk)
    kwargs = {}
    if form_class is MemberMoveForm:
        kwargs = {"member": member, "is_self": member.user_id == request.user.pk}
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        try:
            perform(member, form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            url = reverse("org:member_detail", args=[member.pk])
            if request.headers.get("HX-Request"):
                response = render(request, template, {"form": form, "member": member})
                response["HX-Redirect"] = url
                return response
            return redirect(url)
    status = 200 if request.headers.get("HX-Request") else 400
    return render(request, template, {"form": form, "member": member}, status=status)


@org_admin_required
@require_http_methods(["POST"])
def member_move(request, pk: int):
    def perform(member, data):
        services.member_move(
            member=member,
            team=data["team"],
            reason=data["reason"],
            by=request.user,
            confirm=bool(data.get("confirm")),
        )

    return _member_action(
        request, pk, MemberMoveForm, perform, "crm/partials/member_move_form.html"
    )


@org_admin_required
@require_http_methods(["POST"])
def member_status(request, pk: int):
    """A status change; one that hands work over (leave, departure) first shows what goes
    to whom (`crm.services.handover_preview`), and is made when that is confirmed."""
    member = get_object_or_404(selectors.members_for_list(request.user), pk=pk)
    form = MemberStatusForm(request.POST)
    if (
        form.is_valid()
        and services.hands_over(member, form.cleaned_data["status"])
        and not form.cleaned_data.get("confirm")
    ):
        context = {
            "form": form,
            "member": member,
            "items": services.handover_preview(member=member, status=form.cleaned_data["status"]),
            "status_label": dict(MemberStatusForm.base_fields["status"].choices).get(
                form.cleaned_data["status"]
            ),
        }
        if request.headers.get("HX-Request"):
            return render(request, "crm/partials/member_handover_preview.html", context)
        return render(request, "crm/member_handover_preview.html", context)

    def perform(member, data):
        services.member_set_status(
            member=member,
            status=data["status"],
            leave_date=data.get("leave_date"),
            leave_reason=data.get("leave_reason") or "",
            note=data.get("note") or "",
            by=request.user,
        )

    return _member_action(
        request, pk, MemberStatusForm, perform, "crm/partials/member_status_form.html"
    )


# --- notifications ----------------------------------------------------------------------


@staff_required
def notification_list(request):
    if request.method == "POST":
        services.notifications_mark_read(user=request.user)
        return redirect("notifications")
    rows = access.own_notifications(request.user).order_by("-created_at", "-id")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "crm/notifications.html", {"page": page, "query": ""})


@staff_required
@require_http_methods(["GET"])
def notification_open(request, pk: int):
    """Mark one notification read and follow its link."""
    notification = get_object_or_404(access.own_notifications(request.user), pk=pk)
    services.notifications_mark_read(user=request.user, ids=[notification.pk])
    return redirect(notification.url or "notifications")
