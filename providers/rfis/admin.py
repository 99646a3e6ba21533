"""Curators see requests' metadata (who asked whom, when, where each answer stands, the
audit trail), never what was asked in detail, the answers or the files. Read only."""

from django.contrib import admin

from providers.rfis.models import Event, InformationRequest, Recipient


class StaffReadOnly:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RecipientInline(StaffReadOnly, admin.TabularInline):
    model = Recipient
    fields = ["provider", "response", "opened_at", "responded_at", "reminded_at", "decision"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False


class EventInline(StaffReadOnly, admin.TabularInline):
    model = Event
    fields = ["at", "kind", "recipient", "actor", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "event"
    verbose_name_plural = "audit trail"


@admin.register(InformationRequest)
class InformationRequestAdmin(StaffReadOnly, admin.ModelAdmin):
    list_display = ["title", "buyer", "status", "created_at", "sent_at", "deadline", "addressed"]
    list_filter = ["status", "sent_at"]
    search_fields = ["title", "buyer__email", "recipients__provider__name"]
    date_hierarchy = "created_at"
    # Metadata only: what was asked in detail and the answers are the parties' business.
    fields = ["title", "buyer", "status", "created_at", "sent_at", "deadline"]
    readonly_fields = fields
    inlines = [RecipientInline, EventInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(addressed_count=Count("recipients"))

    @admin.display(description="Providers", ordering="addressed_count")
    def addressed(self, obj) -> int:
        return obj.addressed_count
