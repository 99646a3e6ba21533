from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "providers.accounts"
    label = "accounts"
    verbose_name = "Accounts"
