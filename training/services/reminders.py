"""Training reminders: upcoming sessions, expiring certificates, slow onboarding."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Member, MemberStatus
from crm.services import notify

from ..models import Enrollment, EnrollmentStatus


def send_reminders(*, now: dt.datetime | None = None) -> dict:
    """Upcoming sessions (next 24 h), certificates expiring within 30 days, and new hires
    still onboarding after TRAINING_ONBOARDING_ALERT_DAYS (to their manager). Each message
    has a key, so a second run sends nothing new."""
    from django.urls import reverse

    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"sessions": 0, "certificates": 0, "onboarding": 0}
    my_training = reverse("training:mine")
    upcoming = Enrollment.objects.filter(
        status=EnrollmentStatus.ENROLLED,
        session__starts_at__gt=now,
        session__starts_at__lte=now + dt.timedelta(hours=24),
        member__status__in=(MemberStatus.ACTIVE, MemberStatus.ONBOARDING),
    ).select_related("session__course", "member")
    for enrollment in upcoming:
        session = enrollment.session
        when = timezone.localtime(session.starts_at)
        counts["sessions"] += notify(
            user_id=enrollment.member.user_id,
            key=f"training-session:{enrollment.pk}:{session.starts_at:%Y%m%d%H%M}",
            kind="training",
            text=_("Training %(course)s starts %(when)s (%(where)s).")
            % {
                "course": session.course.title,
                "when": when.strftime("%m-%d %H:%M"),
                "where": session.place or session.link,
            },
            url=my_training,
        )
    expiring = Enrollment.objects.filter(
        status=EnrollmentStatus.PASSED,
        certificate_expires_on__gte=today,
        certificate_expires_on__lte=today + dt.timedelta(days=30),
        member__status__in=(MemberStatus.ACTIVE, MemberStatus.ON_LEAVE),
    ).select_related("course", "member")
    for enrollment in expiring:
        counts["certificates"] += notify(
            user_id=enrollment.member.user_id,
            key=f"training-certificate:{enrollment.pk}:{enrollment.certificate_expires_on}",
            kind="training",
            text=_("Your certificate for %(course)s expires on %(day)s.")
            % {"course": enrollment.course.title, "day": enrollment.certificate_expires_on},
            url=my_training,
        )
    days = settings.TRAINING_ONBOARDING_ALERT_DAYS
    stuck = Member.objects.filter(
        status=MemberStatus.ONBOARDING,
        hire_date__lte=today - dt.timedelta(days=days),
        team__manager__isnull=False,
    ).select_related("user", "team")
    team_page = reverse("training:team")
    for member in stuck:
        counts["onboarding"] += notify(
            user_id=member.team.manager_id,
            key=f"training-onboarding:{member.pk}",
            kind="training",
            text=_("%(name)s is still onboarding %(days)s days after being hired.")
            % {"name": member.display_name, "days": (today - member.hire_date).days},
            url=team_page,
        )
    return counts
