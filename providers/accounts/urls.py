"""A signed-in user's own pages, beside allauth's under /accounts/."""

from django.urls import path

from providers.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("searches/", views.saved_searches, name="saved-searches"),
    path("searches/save/", views.save_search, name="save-search"),
    path("searches/<int:pk>/delete/", views.delete_search, name="delete-search"),
    path("alerts/", views.alert_settings, name="alerts"),
    path("alerts/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("claim/<slug:slug>/", views.claim, name="claim"),
    path("providers/<slug:slug>/", views.represent, name="represent"),
    path("providers/<slug:slug>/confirm/", views.confirm_record, name="confirm-record"),
]
