from django.conf import settings
from django.shortcuts import render

SITE_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
ADMIN_LOCKOUT_TEMPLATE = "locked_out.html"


def locked_out(request, original_response=None, credentials=None):
    """What django-axes shows once a user name has failed too often from one address:
    the admin's page for the admin's sign-in, the site's for the buyers' sign-in.

    Every attempt during the pause starts it again (django-axes' default), so the
    whole pause is what the client has to wait from now: ``Retry-After`` says so.
    """
    seconds = round(settings.AXES_COOLOFF_TIME * 3600)
    template = (
        ADMIN_LOCKOUT_TEMPLATE if request.path.startswith("/admin/") else SITE_LOCKOUT_TEMPLATE
    )
    response = render(request, template, {"cooloff_minutes": round(seconds / 60)}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def username(request, credentials=None) -> str | None:
    """The name a sign-in attempt is counted under: the admin's user name as typed, or the
    email address given to the buyers' sign-in (allauth authenticates with ``email``), in
    lower case so that "Ann@x" and "ann@x" count as one account."""
    credentials = credentials or {}
    if credentials.get("username"):
        return credentials["username"]
    email = credentials.get("email")
    if email is None and request is not None:
        if request.POST.get("username"):
            return request.POST["username"]
        email = request.POST.get("login")
    return email.strip().lower() if isinstance(email, str) else None
