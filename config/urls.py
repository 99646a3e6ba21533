from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from config.health import healthz

admin.site.site_header = "Provider directory: curation"
admin.site.site_title = "Provider directory curation"
admin.site.index_title = "Curate the directory"

urlpatterns = [
    path("", include("providers.directory.urls")),
    path("", include("providers.api.urls")),
    path("", include("providers.rfis.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("providers.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", lambda request: redirect(static("favicon.svg"), permanent=True)),
]

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
