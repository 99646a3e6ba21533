from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "providers.api"
    label = "api"
    verbose_name = "API"
