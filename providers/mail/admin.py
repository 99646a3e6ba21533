"""The outbox in the admin: read-only, with each message's status and last error, and an
action to try failed messages again. Bodies are not shown: account mail carries sign-in
and password-reset links, which an administrator has no need to read."""

from django.contrib import admin, messages
from django.utils.text import Truncator

from providers.mail import outbox
from providers.mail.models import OutboundMessage


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "recipients",
        "subject",
        "reason",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "error",
    )
    list_filter = ("status", "reason")
    search_fields = ("subject", "to")
    date_hierarchy = "created_at"
    fields = (
        "recipients",
        "from_email",
        "subject",
        "reason",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "created_at",
        "sent_at",
    )
    readonly_fields = fields
    actions = ["retry_messages"]
    list_per_page = 50

    @admin.display(description="recipients")
    def recipients(self, obj: OutboundMessage) -> str:
        return ", ".join(obj.to)

    @admin.display(description="last error")
    def error(self, obj: OutboundMessage) -> str:
        return Truncator(obj.last_error).chars(80)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("mail.change_outboundmessage")

    @admin.action(description="Send the selected messages again", permissions=["retry"])
    def retry_messages(self, request, queryset) -> None:
        count = outbox.retry(queryset)
        skipped = queryset.count() - count
        self.message_user(request, f"{count} message(s) queued to be sent again.")
        if skipped:
            self.message_user(
                request, f"{skipped} message(s) already sent were left alone.", messages.WARNING
            )
