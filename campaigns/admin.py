"""Django admin for the setup models (superusers). Day-to-day work goes through the pages, which validate and
audit; the admin is for inspection and repair, so frozen rubrics and campaign phases are read-only here."""
from django.contrib import admin

from campaigns.models import (
    Campaign,
    CampaignSector,
    Criterion,
    GradeBand,
    GradeScale,
    Indicator,
    PhaseDate,
    RubricVersion,
)


class GradeBandInline(admin.TabularInline):
    model = GradeBand
    extra = 0


@admin.register(GradeScale)
class GradeScaleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "gates_apply", "valid_years")
    inlines = [GradeBandInline]


@admin.register(GradeBand)
class GradeBandAdmin(admin.ModelAdmin):
    list_display = ("scale", "label", "min_score")
    list_filter = ("scale",)


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    show_change_link = True


@admin.register(RubricVersion)
class RubricVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "sector", "based_on", "created_at", "frozen")
    list_filter = ("sector",)
    search_fields = ("name",)
    inlines = [IndicatorInline]

    @admin.display(boolean=True, description="已冻结")
    def frozen(self, obj):
        return obj.is_frozen

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return ("sector", "name", "based_on")
        return ()

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.is_frozen)


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("name", "rubric", "position", "max_score")
    list_filter = ("rubric__sector",)
    list_select_related = ("rubric", "rubric__sector")
    inlines = [CriterionInline]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ("text", "indicator", "position", "max_score")
    list_select_related = ("indicator", "indicator__rubric", "indicator__rubric__sector")
    search_fields = ("text",)


class CampaignSectorInline(admin.TabularInline):
    model = CampaignSector
    extra = 0


class PhaseDateInline(admin.TabularInline):
    model = PhaseDate
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "year", "root", "phase")
    list_filter = ("year", "phase")
    list_select_related = ("root",)
    search_fields = ("name", "slug")
    raw_id_fields = ("root", "previous", "created_by")
    # Phase moves are audited: they go through the campaign page or `manage.py set_phase`.
    readonly_fields = ("phase", "created_at")
    inlines = [CampaignSectorInline, PhaseDateInline]


@admin.register(CampaignSector)
class CampaignSectorAdmin(admin.ModelAdmin):
    list_display = ("campaign", "sector", "rubric", "scale", "floor_gate")
    list_select_related = ("campaign", "sector", "rubric", "rubric__sector", "scale")


@admin.register(PhaseDate)
class PhaseDateAdmin(admin.ModelAdmin):
    list_display = ("campaign", "phase", "starts_on", "ends_on")
    list_select_related = ("campaign",)
