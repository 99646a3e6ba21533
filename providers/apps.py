from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "providers"
    verbose_name = "Providers"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from providers import signals  # noqa: F401  (connects the derived-field refresh)
        from providers.directory import child_build  # noqa: F401  (reads the code's version)
        from providers.versioning import after_migrate

        post_migrate.connect(after_migrate, dispatch_uid="directory-version-triggers")
