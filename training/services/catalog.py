"""Courses, their sessions and materials: saving them, uploading and deleting files."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import uploads
from ..models import Course, CourseKind, Material, Session


@transaction.atomic
def course_save(*, course: Course) -> Course:
    if course.kind != CourseKind.ONBOARDING:
        course.required_for_onboarding = False
    if course.has_exam and course.pass_mark is None:
        raise ValidationError({"pass_mark": _("A course with an exam needs a pass mark.")})
    course.full_clean()
    course.save()
    return course


@transaction.atomic
def session_save(*, session: Session) -> Session:
    for field in ("starts_at", "ends_at"):
        moment = getattr(session, field)
        if moment is not None and not 2000 <= timezone.localtime(moment).year <= 2100:
            raise ValidationError({field: _("Give a date between 2000 and 2100.")})
    if session.starts_at and session.ends_at and session.ends_at <= session.starts_at:
        raise ValidationError({"ends_at": _("A session ends after it starts.")})
    if not session.place and not session.link:
        raise ValidationError({"place": _("Give a place or a meeting link.")})
    session.full_clean()
    session.save()
    return session


@transaction.atomic
def material_upload(*, course: Course, upload: UploadedFile, by: User) -> Material:
    """Store a checked file under MEDIA_ROOT/training/ with a random name."""
    name, content_type = uploads.check_material(upload)
    material = Material(
        course=course,
        original_name=name,
        size=upload.size,
        content_type=content_type,
        uploaded_by=by,
    )
    material.file.save(name, upload, save=False)
    material.save()
    return material


def material_delete(*, material: Material) -> None:
    storage, path = material.file.storage, material.file.name
    material.delete()
    transaction.on_commit(lambda: storage.delete(path))
