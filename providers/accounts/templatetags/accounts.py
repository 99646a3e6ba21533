"""The account's controls shown on the directory's pages."""

from django import template

from providers.accounts.models import ProviderWatch

register = template.Library()


@register.inclusion_tag("accounts/watch_form.html", takes_context=True)
def watch_form(context, provider):
    """ "Watch for changes" / "Stop watching" for a signed-in buyer; nothing for a visitor."""
    request = context["request"]
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "provider": provider,
        "signed_in": signed_in,
        "watching": signed_in
        and ProviderWatch.objects.filter(user=user, provider_id=provider.id).exists(),
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path(),
    }
