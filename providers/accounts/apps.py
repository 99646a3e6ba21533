from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "providers.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from providers.accounts import signals  # noqa: F401
