"""The buyer's pages. Every state is a URL: filters live in the query string."""

from django.urls import path

from providers.directory import compare, overview, views

app_name = "providers"
urlpatterns = [
    path("", overview.home, name="home"),
    path("lifecycle/", overview.explorer, name="explorer"),
    path("providers/", views.directory, name="directory"),
    path("providers/<slug:slug>/", views.detail, name="detail"),
    path("providers/<slug:slug>/shortlist/", views.shortlist_toggle, name="shortlist-toggle"),
    path("compare/", compare.compare, name="compare"),
    path("shortlist/", views.shortlist_page, name="shortlist"),
    path("shortlist/clear/", views.shortlist_clear, name="shortlist-clear"),
    path("shortlist/export.<str:fmt>", views.shortlist_export, name="shortlist-export"),
]
