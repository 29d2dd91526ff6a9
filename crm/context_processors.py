"""The navigation that fits the signed-in user's role."""

from django.utils.translation import gettext_lazy as _

from . import access
from .models import Role
from .templatetags.fast_urls import reverse_ids as reverse


def navigation(request):
    user = getattr(request, "user", None)
    scope = access.scope_of(user)
    if scope.user_id is None:
        return {"nav_items": [], "user_role": None}
    items = [(_("Home"), reverse("home"))]
    worklist = (_("Worklist"), reverse("leads:worklist"))
    pool = (_("Public pool"), reverse("leads:pool"))
    team_leads = (_("Team leads"), reverse("leads:team"))
    imports = (_("Imports"), reverse("leads:import_list"))
    my_orders = (_("My orders"), reverse("orders:mine"))
    team_orders = (_("Team orders"), reverse("orders:team"))
    if scope.role == Role.AGENT:
        # Agents who take leads import their own lists too; the leads are theirs
        # (leads.services.importing). A new hire still in onboarding does not.
        from leads.services.importing import may_import

        items += [worklist, pool, my_orders]
        if may_import(user, "leads"):
            items.append(imports)
        items.append((_("My team"), reverse("org:tree")))
    elif scope.role == Role.TEAM_MANAGER:
        items += [
            worklist,
            team_leads,
            pool,
            my_orders,
            team_orders,
            imports,
            (_("My team"), reverse("org:tree")),
            (_("Team members"), reverse("org:members")),
        ]
    elif scope.role in (Role.DEPARTMENT_HEAD, Role.INSPECTOR):
        items += [team_leads, pool, team_orders]
        if scope.role == Role.DEPARTMENT_HEAD:
            items.append(imports)
        items += [(_("Organization"), reverse("org:tree")), (_("Staff"), reverse("org:members"))]
    elif scope.role == Role.ADMIN:
        items += [
            team_leads,
            pool,
            team_orders,
            (_("Products"), reverse("admin:orders_product_changelist")),
            imports,
            (_("Do-not-call"), reverse("leads:dnc_list")),
            (_("Assignment rules"), reverse("leads:assignment_rules")),
            (_("Organization"), reverse("org:tree")),
            (_("Staff"), reverse("org:members")),
            (_("Settings"), reverse("admin:index")),
        ]
    # After-sales: each role's own (or their scope's) revisits and service tickets.
    items += [
        (_("Revisits"), reverse("aftersales:revisit_list")),
        (_("Service"), reverse("aftersales:ticket_list")),
    ]
    # Training: agents their own plan; managers, heads, inspectors and admins the team's
    # (the training pages link to the catalog, promotions, call scripts and case library).
    if access.can_see_team_training(user):
        items.append((_("Training"), reverse("training:team")))
    else:
        items.append((_("Training"), reverse("training:mine")))
    # Performance: each role's own landing (own scorecard, team dashboard, team comparison).
    items.append((_("Performance"), reverse("performance:home")))
    # Risk controls: the dashboard for admins and heads, the export log for managers.
    if access.can_see_risk(user):
        items.append((_("Risk"), reverse("risk:dashboard")))
    elif access.can_see_exports(user):
        items.append((_("Exports"), reverse("risk:exports")))
    items.append((_("API"), reverse("api-docs")))
    # One query: up to ten unread, newest first; the badge shows "9+" beyond nine.
    unread = list(
        access.own_notifications(user).filter(read_at__isnull=True).order_by("-created_at")[:10]
    )
    return {
        "nav_items": items,
        "user_role": scope.role,
        "user_scope": scope,
        "unread_notifications": unread[:9],
        "unread_more": len(unread) > 9,
    }
