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

    from providers.curation.history import Entry, group_into_changes

    t = datetime.datetime(2026, 11, 25, 12, 0, 0, tzinfo=datetime.UTC)

    def entry(kind, history_id, seconds, user="cora"):
        return Entry(
            kind, history_id, t + datetime.timedelta(seconds=seconds), user, "changed", kind, ""
        )

    newest_first = [
        entry("site", 9, 62),  # one later save: provider, service and site rows
        entry("service", 8, 61.5),
        entry("provider", 7, 61),
        entry("service", 5, 1),  # an earlier save by the same curator
        entry("provider", 4, 0),
        entry("provider", 2, -600, user="ben"),  # someone else, long before
    ]
    grouped = group_into_changes(newest_first)
    assert [e.first_of_change for e in grouped] == [True, False, False, True, False, True]
    assert [e.is_current for e in grouped] == [True, True, True, False, False, False]
    # Restoring the earlier save goes to its newest row (the service), not half of it.
    assert (grouped[4].restore_kind, grouped[4].restore_id) == ("service", 5)
    assert (grouped[3].restore_kind, grouped[3].restore_id) == ("service", 5)
