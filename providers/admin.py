"""The admin registrations of this app live in the curation feature (providers/curation/):
the provider workbench, the catalogue admins, history and restore, import and export;
the inspections list, the FDA import and FEI matching are in the regulators feature
(providers/regulators/). Importing them here lets Django's admin autodiscovery find them."""

from providers.curation import catalogue, workbench  # noqa: F401
from providers.regulators import admin as regulators_admin  # noqa: F401
