from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PerformanceConfig(AppConfig):
    name = "performance"
    verbose_name = _("Performance")

    def ready(self) -> None:
        from .exports import register_export_kinds

        register_export_kinds()

        from risk import audit

        from .models import ProductTarget

        # Product targets are scorecard inputs: in the audit trail.
        audit.track(ProductTarget, exclude=("updated_at",))
        from .models import DevelopmentPlan, Evaluation, ImprovementPlan

        # Reviews and plans, beside the scorecard inputs risk registers (targets, weights,
        # indicators, quality scores, incentives): before and after.
        audit.track(Evaluation)
        audit.track(ImprovementPlan)
        audit.track(DevelopmentPlan)
