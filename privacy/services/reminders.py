"""The daily reminder sweep: every administrator hears of each open request due within
`REMIND_WITHIN_WORKING_DAYS` working days, and of each overdue one, once a day (the
notification's key names the request and the day, so a second run sends nothing twice).
Messages name the request, never the person."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import MemberStatus, Notification, Role

from ..models import REMIND_WITHIN_WORKING_DAYS, RequestStatus, SubjectRequest
from ..workdays import add_working_days


def _admin_user_ids() -> list[int]:
    from django.contrib.auth import get_user_model

    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(member__role=Role.ADMIN) & ~Q(member__status=MemberStatus.LEFT))
    )
    return list(users.values_list("pk", flat=True).order_by("pk"))


def request_reminders_sweep(*, today: dt.date | None = None) -> int:
    """Notify admins of requests coming due and overdue; how many notifications were new."""
    today = today or timezone.localdate()
    horizon = add_working_days(today, REMIND_WITHIN_WORKING_DAYS)
    due = list(
        SubjectRequest.objects.filter(status=RequestStatus.OPEN, due_on__lte=horizon)
        .order_by("due_on", "pk")
        .values_list("pk", "kind", "due_on")
    )
    admins = _admin_user_ids()
    if not due or not admins:
        return 0
    kinds = dict(SubjectRequest._meta.get_field("kind").choices)
    now = timezone.now()
    wanted = []
    for pk, kind, due_on in due:
        values = {"id": pk, "kind": kinds.get(kind, kind), "day": due_on.isoformat()}
        if due_on < today:
            text = _("Request #%(id)s (%(kind)s) is overdue: it was due on %(day)s.") % values
            notice = "privacy_request_overdue"
        else:
            text = _("Request #%(id)s (%(kind)s) is due on %(day)s.") % values
            notice = "privacy_request_due"
        url = reverse("privacy:detail", args=[pk])
        for user_id in admins:
            wanted.append(
                Notification(
                    user_id=user_id,
                    kind=notice,
                    key=f"privacy-due:{pk}:{today:%Y%m%d}",
                    text=text[:300],
                    url=url,
                    created_at=now,
                )
            )
    keys = {note.key for note in wanted}
    before = Notification.objects.filter(key__in=keys).count()
    Notification.objects.bulk_create(wanted, ignore_conflicts=True, batch_size=1000)
    return Notification.objects.filter(key__in=keys).count() - before
