"""The API's own documentation page (Swagger UI from the pinned django-ninja package's
static files: no CDN, no inline script) and the page that explains each problem type."""

import json

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from providers.api.problems import PROBLEMS


@require_safe
def docs(request):
    settings = {
        "url": reverse("api-v1:openapi-json"),
        "layout": "BaseLayout",
        "deepLinking": True,
        "supportedSubmitMethods": ["get"],
    }
    return render(request, "api/docs.html", {"swagger_settings": json.dumps(settings)})


@require_safe
def problem_types(request):
    return render(
        request,
        "api/problems.html",
        {"problems": [(kind, title, text) for kind, (title, text) in PROBLEMS.items()]},
    )
