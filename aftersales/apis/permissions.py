"""Who may write through the after-sales API (reading follows the scope)."""

from rest_framework import permissions

from aftersales import access as aftersales_access
from crm.api_defaults import IsActiveStaff


class WorksService(IsActiveStaff):
    """Reading follows the scope; writing needs a role that works on service (not
    inspectors); reassigning needs a manager, head or admin."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if getattr(view, "action", None) == "reassign":
            return aftersales_access.can_manage_service(request.user)
        return aftersales_access.can_work_service(request.user)


class ConfiguresService(IsActiveStaff):
    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return (
            request.method in permissions.SAFE_METHODS
            or aftersales_access.can_configure_service(request.user)
        )
