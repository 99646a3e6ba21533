from django.urls import path, re_path

from providers.api import docs, problems
from providers.api.api import api

urlpatterns = [
    path("api/v1/docs", docs.docs, name="api-docs"),
    path("api/v1/problems", docs.problem_types, name="api-problems"),
    path("api/v1/", api.urls),
    re_path(r"^api/", problems.not_found_view),
]
