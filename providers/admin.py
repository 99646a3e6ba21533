"""The admin registrations of this app live in the curation feature (providers/curation/):
the provider workbench, the catalogue admins, history and restore, import and export.
Importing them here lets Django's admin autodiscovery find them."""

from providers.curation import catalogue, workbench  # noqa: F401
