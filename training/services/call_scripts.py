"""Call scripts (话术): publishing a new version retires the previous one."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ..models import CallScript


@transaction.atomic
def script_publish(*, product: str, stage: str, title: str, body: str, by: User) -> CallScript:
    """Publish a new version of the script for (product, stage); the previous one retires.
    A published version is never edited."""
    product = (product or "").strip()
    if not (body or "").strip():
        raise ValidationError({"body": _("The script is empty.")})
    if not (title or "").strip():
        raise ValidationError({"title": _("Give the script a title.")})
    current = (
        CallScript.objects.select_for_update()
        .filter(product=product, stage=stage)
        .aggregate(top=Max("version"))["top"]
    )
    CallScript.objects.filter(product=product, stage=stage, active=True).update(active=False)
    script = CallScript(
        product=product,
        stage=stage,
        version=(current or 0) + 1,
        title=title.strip(),
        body=body.strip(),
        active=True,
        published_by=by,
    )
    script.full_clean()
    script.save()
    return script
