"""API keys in the admin: issued by administrators (superusers), shown once, revocable."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse

from providers.api.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "owner",
        "lookup",
        "rate_shown",
        "created_at",
        "revoked",
        "last_used_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "owner", "lookup"]
    fields = ["name", "owner", "rate_per_minute"]
    readonly_fields = ["lookup", "created_at", "created_by", "revoked_at", "last_used_at"]
    actions = ["revoke"]

    # Keys give access to nothing a buyer cannot see, but they are credentials: only
    # superusers issue and revoke them.
    def _superuser(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    has_module_permission = _superuser
    has_view_permission = _superuser
    has_add_permission = _superuser
    has_change_permission = _superuser
    has_delete_permission = _superuser

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else [*self.fields, *self.readonly_fields]

    @admin.display(description="requests per minute")
    def rate_shown(self, key: ApiKey) -> int:
        return key.rate

    @admin.display(boolean=True, description="revoked", ordering="revoked_at")
    def revoked(self, key: ApiKey) -> bool:
        return key.is_revoked

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            request._issued_api_key = obj.issue()
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        """The key, once: only its hash is kept, so it can never be shown again."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "key": obj,
            "secret": request._issued_api_key,
            "title": "API key issued",
        }
        return TemplateResponse(request, "admin/api/apikey/issued.html", context)

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            key.revoke()
            count += 1
        messages.success(request, f"Revoked {count} key{'s' if count != 1 else ''}.")
