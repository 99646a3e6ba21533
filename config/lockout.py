from django.conf import settings
from django.shortcuts import render


def locked_out(request, original_response=None, credentials=None):
    """What django-axes shows once a user name has failed too often from one address."""
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    return render(request, "locked_out.html", {"cooloff_minutes": minutes}, status=429)
