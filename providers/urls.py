from django.urls import path

from providers import views

app_name = "providers"
urlpatterns = [
    path("providers/", views.directory, name="directory"),
    path("providers/<slug:slug>/", views.detail, name="detail"),
    path("providers/<slug:slug>/shortlist/", views.shortlist_toggle, name="shortlist-toggle"),
    path("compare/", views.compare, name="compare"),
    path("shortlist/", views.shortlist_page, name="shortlist"),
    path("shortlist/clear/", views.shortlist_clear, name="shortlist-clear"),
    path("shortlist/export.<str:fmt>", views.shortlist_export, name="shortlist-export"),
]
