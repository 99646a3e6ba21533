"""History: every change to a provider, its services and sites is visible; any point restores."""

import html

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.html import strip_tags

from providers.models import (
    Capability,
    Certification,
    Modality,
    Provider,
    ProviderType,
    Service,
    Site,
)
from tests.factories import make_provider

pytestmark = pytest.mark.django_db


def history_page(client, provider) -> str:
    response = client.get(reverse("admin:providers_provider_history", args=[provider.pk]))
    assert response.status_code == 200
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


def as_user(instance, user):
    instance._history_user = user
    return instance


def test_history_shows_who_when_and_before_after_for_provider_services_and_sites(client, curator):
    provider = make_provider("Before Name", services=(("process-development", 2, 5),))
    site = Site.objects.create(provider=provider, name="North plant", city="Leeds", country="GB")

    as_user(provider, curator).name = "After Name"
    provider.save()
    service = as_user(provider.services.get(), curator)
    service.last_phase_id = 6
    service.save()
    as_user(site, curator).certifications.set([Certification.objects.get(slug="glp")])

    page = history_page(client, provider)
    assert "Before Name → After Name" in page
    assert "Service: Process research and development changed" in page
    assert "Clinical Phase III → Commercial manufacture and supply" in page
    assert "Site: North plant changed" in page
    assert "certifications: \u2013 → GLP" in page  # an en dash: nothing before
    assert "cora" in page


def test_admin_edits_are_recorded_with_the_curator(client, curator):
    provider = make_provider("Recorded")
    client.post(
        reverse("admin:providers_provider_changelist"),
        {"action": "withdraw", "_selected_action": [provider.pk]},
    )
    latest = provider.history.first()
    assert latest.status == "withdrawn" and latest.history_user == curator
    assert "published → withdrawn" in history_page(client, provider)


def test_restore_brings_back_fields_links_services_and_sites(client, curator):
    provider = make_provider(
        "Original Co",
        types=("cro",),
        modalities=("peptide",),
        services=(("process-development", 2, 5), ("glp-toxicology", 2, 3)),
        sites=(
            {"name": "Basel lab", "city": "Basel", "country": "CH", "certifications": ("glp",)},
        ),
        summary="Original summary.",
    )
    point = provider.sites.get().history.first()  # the last change of the original version
    original = {
        "name": provider.name,
        "types": {"cro"},
        "modalities": {"peptide"},
        "services": {("process-development", 2, 5), ("glp-toxicology", 2, 3)},
        "sites": {("Basel lab", "Basel", "CH", ("glp",))},
    }

    # A series of later edits.
    provider.name, provider.summary = "Changed Co", "Changed summary."
    provider.save()
    provider.types.set(ProviderType.objects.filter(slug="cmo"))
    provider.modalities.set(Modality.objects.filter(slug="mrna"))
    provider.services.get(capability__slug="glp-toxicology").delete()
    Service.objects.create(
        provider=provider,
        capability=Capability.objects.get(slug="oral-solid-dose"),
        first_phase_id=3,
        last_phase_id=7,
    )
    site = provider.sites.get()
    site.certifications.set(Certification.objects.filter(slug="eu-gmp"))
    Site.objects.create(provider=provider, name="New plant", country="IN")

    url = reverse("admin:providers_provider_restore", args=[provider.pk, "site", point.history_id])
    preview = html.unescape(client.get(url).content.decode())
    assert "Restore this version" in preview and "Original Co" in preview
    response = client.post(url)
    assert response.status_code == 302

    provider.refresh_from_db()
    assert provider.name == original["name"] and provider.summary == "Original summary."
    assert set(provider.types.values_list("slug", flat=True)) == original["types"]
    assert set(provider.modalities.values_list("slug", flat=True)) == original["modalities"]
    assert {
        (s.capability.slug, s.first_phase_id, s.last_phase_id) for s in provider.services.all()
    } == original["services"]
    assert {
        (s.name, s.city, str(s.country), tuple(s.certifications.values_list("slug", flat=True)))
        for s in provider.sites.all()
    } == original["sites"]
    assert provider.phase_positions == [2, 3, 4, 5]  # derived columns follow
    # The restore is itself recorded, by the curator, with a reason.
    latest = provider.history.first()
    assert (
        latest.history_user == curator
        and "Restored to the version of" in latest.history_change_reason
    )


def test_restore_keeps_the_evidence_of_the_identities_and_inspections_it_keeps(client, curator):
    import datetime

    from providers.models import Evidence
    from providers.regulatory import Inspection, SiteIdentity
    from tests.factories import add_evidence

    provider = make_provider(
        "Inspected Co", sites=({"name": "Basel lab", "city": "Basel", "country": "CH"},)
    )
    site = provider.sites.get()
    identity = SiteIdentity.objects.create(site=site, scheme="duns", value="123456789")
    inspection = Inspection.objects.create(
        site=site, authority="eu", end_date=datetime.date(2025, 2, 3), outcome="gmp-certificate"
    )
    site.save()  # a version of the site after its identity was recorded
    point = site.history.first()
    Site.objects.create(provider=provider, name="New plant", country="IN")
    add_evidence(identity, title="DUNS record")
    add_evidence(inspection, title="EudraGMDP entry")
    url = reverse("admin:providers_provider_restore", args=[provider.pk, "site", point.history_id])
    assert client.post(url).status_code == 302
    assert not provider.sites.filter(name="New plant").exists()
    assert set(Evidence.objects.values_list("title", "site_identity", "inspection")) == {
        ("DUNS record", identity.pk, None),
        ("EudraGMDP entry", None, inspection.pk),
    }


def test_restore_needs_change_permission(client):
    provider = make_provider("Guarded")
    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_provider"))
    client.force_login(viewer)
    point = provider.history.last()
    url = reverse(
        "admin:providers_provider_restore", args=[provider.pk, "provider", point.history_id]
    )
    assert client.post(url).status_code == 403
    assert Provider.objects.get(pk=provider.pk).name == "Guarded"


def test_a_version_of_another_provider_cannot_be_restored_onto_this_one(client, curator):
    mine, other = make_provider("Mine"), make_provider("Other")
    point = other.history.first()
    url = reverse("admin:providers_provider_restore", args=[mine.pk, "provider", point.history_id])
    assert client.post(url).status_code == 404
    mine.refresh_from_db()
    assert mine.name == "Mine"


def test_rows_saved_together_form_one_change_that_restores_as_a_whole():
    import datetime
    import uuid

    from providers.curation.history import Entry, group_into_changes

    t = datetime.datetime(2026, 11, 25, 12, 0, 0, tzinfo=datetime.UTC)
    later, earlier, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def entry(kind, history_id, seconds, change_id):
        return Entry(
            kind,
            history_id,
            t + datetime.timedelta(seconds=seconds),
            "cora",
            "changed",
            kind,
            "",
            change_id=change_id,
        )

    newest_first = [
        entry("site", 9, 2, later),  # one save: provider, service and site rows
        entry("service", 8, 1.5, later),
        entry("provider", 7, 1, later),
        entry("service", 5, 0.5, earlier),  # a save by the same curator a moment before
        entry("provider", 4, 0, earlier),
        entry("provider", 2, -600, None),  # recorded before change identifiers: alone
        entry("provider", 1, -700, other),
    ]
    grouped = group_into_changes(newest_first)
    assert [e.first_of_change for e in grouped] == [True, False, False, True, False, True, True]
    assert [e.is_current for e in grouped] == [True, True, True] + [False] * 4
    # Restoring the earlier save goes to its newest row (the service), not half of it.
    assert (grouped[4].restore_kind, grouped[4].restore_id) == ("service", 5)
    assert (grouped[3].restore_kind, grouped[3].restore_id) == ("service", 5)


def test_each_request_is_one_change_however_close_in_time(client, curator):
    """Two quick saves by one curator are two changes; one save with inlines is one."""
    provider = make_provider("Quick", services=(("process-development", 2, 5),))
    change_url = reverse("admin:providers_provider_change", args=[provider.pk])
    service = provider.services.get()

    def post(name: str, last_phase: int) -> None:
        data = {
            "name": name,
            "slug": provider.slug,
            "status": "published",
            "provider_types": [t.pk for t in provider.types.all()],
            "hq_country": "US",
            "services-TOTAL_FORMS": "2",
            "services-INITIAL_FORMS": "1",
            "services-0-id": service.pk,
            "services-0-provider": provider.pk,
            "services-0-capability": service.capability_id,
            "services-0-first_phase": 2,
            "services-0-last_phase": last_phase,
            "sites-TOTAL_FORMS": "0",
            "all_evidence-TOTAL_FORMS": "0",
            "all_evidence-INITIAL_FORMS": "0",
            "sites-INITIAL_FORMS": "0",
        }
        response = client.post(change_url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors

    post("Quick Renamed", 6)  # provider and service change in one save
    post("Quick Again", 7)  # the same curator, within the same second
    ids = list(provider.history.order_by("-history_date").values_list("change_id", flat=True)[:2])
    service_ids = list(
        service.history.order_by("-history_date").values_list("change_id", flat=True)[:2]
    )
    assert ids[0] != ids[1] and service_ids == ids  # each save: provider + service together
    timeline = client.get(reverse("admin:providers_provider_history", args=[provider.pk])).context[
        "timeline"
    ]
    latest, previous = timeline[:2], timeline[2:4]
    assert [entry.first_of_change for entry in timeline[:4]] == [True, False, True, False]
    assert all(entry.is_current for entry in latest)
    assert not any(entry.is_current for entry in previous)
    assert {entry.kind for entry in previous} == {"provider", "service"}


def test_an_import_is_one_change(client, curator):
    from providers.interchange.format import COLUMNS
    from providers.interchange.importing import apply_plan, plan_import

    def row(**cells) -> str:
        return ",".join(cells.get(column, "") for column in COLUMNS)

    data = "\r\n".join(
        [
            ",".join(COLUMNS),
            row(
                slug="imported-one",
                name="Imported One",
                types="cro",
                hq_country="US",
                status="published",
                services="process-development: 2 to 3",
            ),
            row(
                slug="imported-two",
                name="Imported Two",
                types="cdmo",
                hq_country="DE",
                status="draft",
            ),
        ]
    ).encode()
    apply_plan(plan_import(data, "two.csv"), user=curator)
    change_ids = {
        *Provider.history.values_list("change_id", flat=True),
        *Service.history.values_list("change_id", flat=True),
    }
    assert len(change_ids) == 1 and None not in change_ids
