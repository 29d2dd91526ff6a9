"""Admin: indicators (with their weights per level), weights, targets, quality scores and
scorecards (read-only: they are recomputed, never edited). Changing an indicator or a
weight recomputes the current periods' scorecards in the background."""

from django.contrib import admin

from .models import (
    Indicator,
    KpiWeight,
    ProductTarget,
    QualityScore,
    Scorecard,
    ScorecardValue,
    Target,
)
from .services import scorecards


def _recompute_current_later() -> None:
    scorecards.queue_current_recompute()


class KpiWeightInline(admin.TabularInline):
    model = KpiWeight
    extra = 0


class RecomputesAdmin(admin.ModelAdmin):
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _recompute_current_later()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _recompute_current_later()


@admin.register(Indicator)
class IndicatorAdmin(RecomputesAdmin):
    list_display = ("code", "name", "family", "source", "unit", "higher_is_better", "position")
    list_editable = ("position",)
    list_filter = ("family", "is_active")
    inlines = [KpiWeightInline]


@admin.register(KpiWeight)
class KpiWeightAdmin(RecomputesAdmin):
    list_display = ("indicator", "level", "weight")
    list_filter = ("level",)
    list_select_related = ("indicator",)


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("indicator", "level", "agent", "team", "department", "period_start", "value")
    list_filter = ("period_kind", "level", "indicator")
    list_select_related = ("indicator", "agent", "team", "department")
    raw_id_fields = ("agent", "team", "department", "set_by")
    date_hierarchy = "period_start"


@admin.register(QualityScore)
class QualityScoreAdmin(admin.ModelAdmin):
    list_display = ("id", "agent", "scorer", "overall", "followup", "call", "scored_at")
    list_select_related = ("agent", "scorer")
    raw_id_fields = ("agent", "followup", "call", "scorer")
    readonly_fields = ("overall",)
    date_hierarchy = "scored_at"


class ScorecardValueInline(admin.TabularInline):
    model = ScorecardValue
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "indicator",
        "numerator",
        "denominator",
        "value",
        "target",
        "achievement",
        "weight",
        "points",
    )

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    list_display = ("id", "level", "agent", "team", "department", "period_kind", "period_start")
    list_display += ("total", "rank", "rank_of")
    list_filter = ("level", "period_kind")
    list_select_related = ("agent", "team", "department")
    date_hierarchy = "period_start"
    inlines = [ScorecardValueInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProductTarget)
class ProductTargetAdmin(admin.ModelAdmin):
    """Product sales targets per team and month (heads set theirs on the page too)."""

    list_display = ("team", "product", "month", "amount", "set_by")
    list_filter = ("month", "team")
    exclude = ("set_by",)

    def save_model(self, request, obj, form, change):
        obj.set_by = request.user
        obj.month = obj.month.replace(day=1)
        super().save_model(request, obj, form, change)
