"""Stages, tracks and phases are reference data: everyone on staff may read them, only
superusers edit."""

from django.contrib import admin

from lifecycle.models import Phase, Stage, Track


class SuperuserEditsOnly:
    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


class PhaseInline(SuperuserEditsOnly, admin.TabularInline):
    model = Phase
    fields = ["position", "name", "short_name", "slug", "track"]
    extra = 0


@admin.register(Stage)
class StageAdmin(SuperuserEditsOnly, admin.ModelAdmin):
    list_display = ["position", "name", "also_called"]
    list_display_links = ["name"]
    inlines = [PhaseInline]


@admin.register(Track)
class TrackAdmin(SuperuserEditsOnly, admin.ModelAdmin):
    list_display = ["position", "name", "short_name"]
    list_display_links = ["name"]


@admin.register(Phase)
class PhaseAdmin(SuperuserEditsOnly, admin.ModelAdmin):
    list_display = ["position", "name", "short_name", "track", "stage"]
    list_display_links = ["name"]
    list_select_related = ["stage", "track"]
    list_filter = ["track", "stage"]
