from django.apps import AppConfig


class RfisConfig(AppConfig):
    name = "providers.rfis"
    label = "rfis"
    verbose_name = "Requests for information"
