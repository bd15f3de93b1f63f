"""Admin: read-only views of unused tokens (never the code) and responses; paper entries are made on the
paper_tally page so that double entry and auditing cannot be bypassed."""
from django.contrib import admin

from surveys.models import PaperEntry, SurveyResponse, SurveyToken


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SurveyToken)
class SurveyTokenAdmin(ReadOnlyAdmin):
    list_display = ["org", "campaign"]
    list_filter = ["campaign"]
    fields = ["campaign", "org"]
    search_fields = ["org__name", "org__code"]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin):
    list_display = ["org", "campaign", "day", "overall", "category"]
    list_filter = ["campaign", "day", "overall", "category"]
    ordering = ["pk"]  # random (UUID) order, never arrival order
    exclude = []


@admin.register(PaperEntry)
class PaperEntryAdmin(ReadOnlyAdmin):
    list_display = ["org", "campaign", "entered_by", "entered_at"]
    list_filter = ["campaign"]
