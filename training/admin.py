"""Configuration in the Django admin: courses, sessions, levels (and a read-only look at
scripts: a published version is never edited, a new one is published instead)."""

from django.contrib import admin
from django.db import models

from .models import (
    CallScript,
    Case,
    CaseTag,
    Course,
    PromotionLevel,
    PromotionProposal,
    Session,
)
from .services import catalog


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "required_for_onboarding", "has_exam", "pass_mark", "active"]
    list_filter = ["kind", "required_for_onboarding", "active"]
    search_fields = ["title"]
    inlines = [SessionInline]

    def save_model(self, request, obj, form, change):
        catalog.course_save(course=obj)


@admin.register(PromotionLevel)
class PromotionLevelAdmin(admin.ModelAdmin):
    list_display = ["rank", "name", "min_tenure_months"]
    filter_horizontal = ["required_courses"]


@admin.register(PromotionProposal)
class PromotionProposalAdmin(admin.ModelAdmin):
    list_display = ["member", "from_level", "to_level", "status", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in PromotionProposal._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(CallScript)
class CallScriptAdmin(admin.ModelAdmin):
    list_display = ["product", "stage", "version", "title", "active", "published_at"]
    list_filter = ["stage", "active"]
    search_fields = ["product", "title", "body"]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        # Only retiring is allowed here; the text of a published version is fixed.
        return [f.name for f in CallScript._meta.fields if f.name != "active"]


@admin.register(CaseTag)
class CaseTagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["title", "outcome", "author", "featured_for_team", "created_at"]
    list_filter = ["outcome"]
    search_fields = ["title", "body", "lessons"]
    raw_id_fields = ["lead", "order", "author"]
