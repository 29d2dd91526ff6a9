"""Ticket SLAs: how long a ticket of each priority may take (staff read, admins write)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from aftersales import access as aftersales_access
from crm.api import CleanModelSerializer, ScopedViewSet
from crm.api_defaults import AdminWritesOrReadOnly

from ..models import TicketSLA

# A year: anything longer is no service level.
MAX_HOURS = 24 * 366


class TicketSLASerializer(CleanModelSerializer):
    resolve_within_hours = serializers.IntegerField(min_value=1, max_value=MAX_HOURS)

    class Meta:
        model = TicketSLA
        fields = ["id", "priority", "resolve_within_hours"]
        validators = []  # the priority's uniqueness is checked in `validate_priority`

    def validate_priority(self, priority: str) -> str:
        others = TicketSLA.objects.filter(priority=priority)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(_("This priority has an SLA already."))
        return priority


@extend_schema(tags=["service"])
class TicketSLAViewSet(ScopedViewSet):
    """Resolve-within hours per ticket priority; a new ticket's due time comes from its
    priority's row. Staff read; administrators write."""

    visibility = aftersales_access.visible_ticket_slas
    permission_classes = [AdminWritesOrReadOnly]
    serializer_class = TicketSLASerializer
    pagination_class = None
    ordering = ["resolve_within_hours", "id"]
