"""API for people: 360 reviews and ratings, development plans (`reviews`), incentives
(`incentives`), improvement plans (`improvement`), turnover (`turnover`), on one router.

Rows come through `crm.api`'s scoped classes (`crm.access`): a row outside the caller's
scope answers 404, an id in a body outside it a 400 naming the field. Every change goes
through `performance.services.*`, whose refusals are 400s naming the field (`status` for a
move the record's state does not allow).
"""

from rest_framework.routers import SimpleRouter

from .improvement import ImprovementPlanViewSet
from .incentives import IncentiveViewSet
from .reviews import DevelopmentPlanViewSet, EvaluationViewSet, RatingViewSet
from .turnover import TurnoverViewSet

router = SimpleRouter()
router.register("evaluations", EvaluationViewSet, basename="evaluation")
router.register("ratings", RatingViewSet, basename="evaluation-rating")
router.register("development-plans", DevelopmentPlanViewSet, basename="development-plan")
router.register("incentives", IncentiveViewSet, basename="incentive")
router.register("improvement-plans", ImprovementPlanViewSet, basename="improvement-plan")
router.register("turnover", TurnoverViewSet, basename="turnover")
