"""Training API: courses, sessions and materials (`courses`), enrollments
(`enrollments`), promotion levels and proposals (`promotions`), call scripts and cases
(`library`). Every view reads rows through `crm.api`'s scoped classes (a row outside the
caller's scope answers 404; an id in a body outside it is a 400 naming the field); writes
go through `training.services`, whose refusals are 400s naming the field."""

from .courses import CourseViewSet, MaterialViewSet, SessionViewSet
from .enrollments import EnrollmentViewSet
from .library import CallScriptViewSet, CaseViewSet
from .promotions import PromotionLevelViewSet, PromotionProposalViewSet


def register(router) -> None:
    router.register("training/courses", CourseViewSet, basename="training-course")
    router.register("training/sessions", SessionViewSet, basename="training-session")
    router.register("training/materials", MaterialViewSet, basename="training-material")
    router.register("training/enrollments", EnrollmentViewSet, basename="training-enrollment")
    router.register(
        "training/promotion-levels", PromotionLevelViewSet, basename="training-promotion-level"
    )
    router.register(
        "training/promotion-proposals",
        PromotionProposalViewSet,
        basename="training-promotion-proposal",
    )
    router.register("training/call-scripts", CallScriptViewSet, basename="training-call-script")
    router.register("training/cases", CaseViewSet, basename="training-case")
