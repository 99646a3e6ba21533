from django.conf import settings
from django.shortcuts import render


def locked_out(request, original_response=None, credentials=None):
    """What django-axes shows once a user name has failed too often from one address.

    Every attempt during the pause starts it again (django-axes' default), so the
    whole pause is what the client has to wait from now: ``Retry-After`` says so.
    """
    seconds = round(settings.AXES_COOLOFF_TIME * 3600)
    response = render(
        request, "locked_out.html", {"cooloff_minutes": round(seconds / 60)}, status=429
    )
    response["Retry-After"] = str(seconds)
    return response
