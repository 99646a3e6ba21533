from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "providers.mail"
    label = "mail"
    verbose_name = "Mail"
