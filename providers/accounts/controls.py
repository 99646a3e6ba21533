"""The account's controls shown on the directory's pages."""

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from providers.accounts.models import ProviderWatch


def watch_form_html(request, provider, csrf_token: str) -> SafeString | str:
    """ "Watch for changes" / "Stop watching" for a signed-in buyer; nothing for a visitor."""
    user = request.user
    if not user.is_authenticated:
        return ""
    context = {
        "provider": provider,
        "watching": ProviderWatch.objects.filter(user=user, provider_id=provider.id).exists(),
        "csrf_token": csrf_token,
        "next": request.get_full_path(),
    }
    return render_to_string("accounts/watch_form.html", context)
