"""Requests for information: the buyer's pages under requests/, the provider's inbox."""

from django.urls import path

from providers.rfis import views

app_name = "rfis"
urlpatterns = [
    path("requests/", views.request_list, name="list"),
    path("requests/new/", views.create, name="create"),
    path("requests/<int:pk>/", views.detail, name="request"),
    path("requests/<int:pk>/edit/", views.edit, name="edit"),
    path("requests/<int:pk>/send/", views.send, name="send"),
    path("requests/<int:pk>/delete/", views.delete, name="delete"),
    path("requests/<int:pk>/files/", views.upload_request_file, name="request-upload"),
    path("requests/<int:pk>/compare/", views.compare, name="compare"),
    path("requests/<int:pk>/export.xlsx", views.export, name="export"),
    path("requests/<int:pk>/providers/<int:recipient>/decision/", views.decide, name="decide"),
    path("files/<int:pk>/", views.download, name="download"),
    path("files/<int:pk>/remove/", views.remove_file, name="remove-file"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/", views.inbox_item, name="inbox-item"),
    path("inbox/<int:pk>/decline/", views.decline, name="decline"),
    path("inbox/<int:pk>/files/", views.upload_answer_file, name="answer-upload"),
]
