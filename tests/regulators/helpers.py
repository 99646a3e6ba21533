"""Builders for regulator identities and inspections in tests."""

import datetime

from providers.models import Site
from providers.regulatory import Inspection, SiteIdentity


def add_identity(site: Site, scheme: str, value: str, scheme_name: str = "") -> SiteIdentity:
    identity = SiteIdentity(site=site, scheme=scheme, value=value, scheme_name=scheme_name)
    identity.full_clean()
    identity.save()
    return identity


def add_inspection(site: Site, end_date: datetime.date, outcome: str, **fields) -> Inspection:
    fields.setdefault("authority", "fda" if outcome in ("nai", "vai", "oai") else "eu")
    return Inspection.objects.create(site=site, end_date=end_date, outcome=outcome, **fields)
