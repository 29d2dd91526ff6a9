from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Training")

    def ready(self) -> None:
        from performance import access as performance_access

        from . import access

        # Development plans (performance) recommend the courses this rule lets a user see.
        performance_access.register_course_rule(access.visible_courses)

        from risk import audit

        from . import models

        # Courses, promotion levels and proposals, scripts, the case library: before/after.
        for model in (
            models.Course,
            models.Session,
            models.Material,
            models.Enrollment,
            models.PromotionLevel,
            models.PromotionProposal,
            models.MemberLevel,
            models.CallScript,
            models.CaseTag,
            models.Case,
        ):
            audit.track(model)
