from django.urls import path

from lifecycle import views

app_name = "lifecycle"
urlpatterns = [
    path("", views.home, name="home"),
    path("lifecycle/", views.explorer, name="explorer"),
]
