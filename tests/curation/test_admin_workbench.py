"""The provider admin as a curator's workbench: list, filters, one-screen editing, actions."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lifecycle.models import Phase, Stage
from providers.models import Capability, Certification, Provider
from tests.factories import make_provider

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:providers_provider_changelist")


def names_listed(response) -> set[str]:
    return {provider.name for provider in response.context["cl"].result_list}


def test_changelist_runs_a_fixed_number_of_queries(admin_client):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(CHANGELIST)
        assert response.status_code == 200
        return len(queries)

    for _ in range(3):
        make_provider(types=("cro", "cdmo"), services=(("process-development", 2, 6),))
    few = count_queries()
    for _ in range(12):
        make_provider(types=("cmo",), services=(("trial-management", 3, 5),))
    assert count_queries() == few


def test_list_shows_types_stage_coverage_status_and_verification(admin_client):
    make_provider(
        "Basel Chemistry",
        types=("cdmo", "cmo"),
        services=(("process-development", 3, 6),),
        state_on=datetime.date(2026, 1, 5),
        source="https://example.com",
    )
    content = admin_client.get(CHANGELIST).content.decode()
    assert "CDMO, CMO" in content
    assert "Development, Delivery" in content
    assert "Published" in content
    assert "Jan. 5, 2026" in content or "5 Jan 2026" in content


def test_filters_by_type_stage_status_country_synthetic_and_staleness(admin_client):
    today = timezone.localdate()
    fresh = make_provider(
        "Fresh CRO",
        types=("cro",),
        services=(("hit-finding-screening", 1, 1),),
        state="confirmed",
        state_on=today - datetime.timedelta(days=30),
        source="call",
        hq_country="CH",
    )
    make_provider(
        "Year-old CMO",
        types=("cmo",),
        services=(("commercial-api-manufacture", 6, 7),),
        state="confirmed",
        state_on=today - datetime.timedelta(days=300),
        source="call",
        status=Provider.Status.DRAFT,
    )
    make_provider(
        "Old CDMO",
        types=("cdmo",),
        state="confirmed",
        state_on=today - datetime.timedelta(days=800),
        source="web",
    )
    make_provider("Never checked", types=("cro",), is_synthetic=True)
    # Compiled a week ago: recent, but nobody checked it.
    make_provider(
        "Compiled Lab", types=("cmo",), state_on=today - datetime.timedelta(days=7), source="web"
    )
    cro = fresh.types.get()
    delivery = Stage.objects.get(slug="delivery")

    def listed(query: str) -> set[str]:
        return names_listed(admin_client.get(CHANGELIST + "?" + query))

    assert listed(f"type={cro.pk}") == {"Fresh CRO", "Never checked"}
    assert listed(f"stage={delivery.slug}") == {"Year-old CMO"}
    assert listed("stage=discovery") == {"Fresh CRO"}
    assert listed("status__exact=draft") == {"Year-old CMO"}
    assert listed("hq=CH") == {"Fresh CRO"}
    assert listed("is_synthetic__exact=1") == {"Never checked"}
    assert listed("checked=6m") == {"Fresh CRO"}
    assert listed("checked=1y") == {"Year-old CMO"}
    assert listed("checked=older") == {"Old CDMO"}
    assert listed("checked=never") == {"Never checked", "Compiled Lab"}


def test_filters_show_facet_counts(admin_client):
    make_provider(types=("cro",))
    make_provider(types=("cro",))
    make_provider(types=("cmo",), status=Provider.Status.WITHDRAWN)
    content = admin_client.get(CHANGELIST).content.decode()
    assert "CRO (2)" in content
    assert "Withdrawn (1)" in content
    assert "Never (compiled) (3)" in content


def test_search_by_name_website_and_capability(admin_client):
    make_provider(
        "Helix Peptides", website="https://helix.example", services=(("peptide-manufacture", 2, 6),)
    )
    make_provider("Quarry Clinical", website="https://quarry.example")

    def found(term: str) -> set[str]:
        return names_listed(admin_client.get(CHANGELIST, {"q": term}))

    assert found("helix") == {"Helix Peptides"}
    assert found("quarry.example") == {"Quarry Clinical"}
    assert found("Peptide manufacture") == {"Helix Peptides"}


def edit_payload(provider: Provider, **changes) -> dict:
    capability = Capability.objects.get(slug="process-development")
    data = {
        "name": provider.name,
        "slug": provider.slug,
        "status": provider.status,
        "provider_types": [t.pk for t in provider.types.all()],
        "hq_country": str(provider.hq_country),
        "website": provider.website,
        "summary": provider.summary,
        "provider_industries": [i.pk for i in provider.industries.all()],
        "provider_modalities": [],
        "source": provider.source,
        "services-TOTAL_FORMS": "1",
        "services-INITIAL_FORMS": "0",
        "services-0-capability": capability.pk,
        "services-0-first_phase": "3",
        "services-0-last_phase": "5",
        "services-0-note": "kilo lab",
        "sites-TOTAL_FORMS": "1",
        "all_evidence-TOTAL_FORMS": "0",
        "all_evidence-INITIAL_FORMS": "0",
        "sites-INITIAL_FORMS": "0",
        "sites-0-name": "Visp plant",
        "sites-0-city": "Visp",
        "sites-0-country": "CH",
        "sites-0-site_certifications": [Certification.objects.get(slug="eu-gmp").pk],
    }
    data.update(changes)
    return data


def test_one_screen_edit_saves_links_services_and_sites(client, curator):
    provider = make_provider("Edit Me", types=("cro",))
    url = reverse("admin:providers_provider_change", args=[provider.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        edit_payload(
            provider,
            provider_types=[
                t.pk for t in provider.types.model.objects.filter(slug__in=["cro", "cdmo"])
            ],
            state="checked",
            state_on="2026-11-01",
            source="Site visit",
        ),
    )
    assert response.status_code == 302, (
        response.context["adminform"].errors if response.context else ""
    )
    provider.refresh_from_db()
    assert set(provider.types.values_list("slug", flat=True)) == {"cro", "cdmo"}
    service = provider.services.get()
    assert (service.first_phase_id, service.last_phase_id, service.note) == (3, 5, "kilo lab")
    site = provider.sites.get()
    assert list(site.certifications.values_list("slug", flat=True)) == ["eu-gmp"]
    # Derived columns follow at once. The state is not typed in: only "checked now" sets it.
    assert provider.phase_positions == [3, 4, 5]
    assert "CH" in provider.countries
    assert (provider.state, provider.state_on, provider.checked_by) == ("compiled", None, None)


def test_service_outside_the_capability_range_is_refused(client, curator):
    provider = make_provider("Range Check")
    url = reverse("admin:providers_provider_change", args=[provider.pk])
    response = client.post(url, edit_payload(provider, **{"services-0-first_phase": "1"}))
    assert response.status_code == 200
    assert "applies from" in response.content.decode()
    assert not provider.services.exists()


def run_action(client, action: str, providers) -> object:
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [p.pk for p in providers]},
        follow=True,
    )


def test_bulk_publish_and_withdraw_record_history(client, curator):
    drafts = [make_provider(status=Provider.Status.DRAFT) for _ in range(3)]
    run_action(client, "publish", drafts)
    assert Provider.objects.published().count() == 3
    latest = Provider.history.filter(id=drafts[0].pk).first()
    assert latest.status == "published" and latest.history_user == curator

    run_action(client, "withdraw", drafts[:2])
    assert list(Provider.objects.published()) == [drafts[2]]


def test_only_superusers_delete_providers(client, curator, admin_user):
    provider = make_provider("Keep Me")
    actions = client.get(CHANGELIST).context["action_form"].fields["action"].choices
    assert "delete_selected" not in {value for value, _ in actions}
    delete_url = reverse("admin:providers_provider_delete", args=[provider.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Provider.objects.filter(pk=provider.pk).exists()

    client.force_login(admin_user)
    assert client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not Provider.objects.filter(pk=provider.pk).exists()


def test_catalogue_entry_in_use_cannot_be_deleted_and_admin_says_why(client, curator):
    make_provider("Uses It", services=(("peptide-manufacture", 2, 6),))
    capability = Capability.objects.get(slug="peptide-manufacture")
    url = reverse("admin:providers_capability_delete", args=[capability.pk])
    response = client.get(url, follow=True)
    text = response.content.decode()
    assert "cannot be deleted" in text and "Uses It" in text
    client.post(url, {"post": "yes"})
    assert Capability.objects.filter(pk=capability.pk).exists()

    unused = Capability.objects.get(slug="softgel")
    response = client.post(
        reverse("admin:providers_capability_delete", args=[unused.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Capability.objects.filter(pk=unused.pk).exists()


def test_curators_manage_catalogue_but_only_read_stages_and_phases(client, curator, admin_user):
    add = client.post(
        reverse("admin:providers_modality_add"),
        {
            "name": "Radiopharmaceutical",
            "slug": "radiopharmaceutical",
            "position": 20,
            "description": "",
        },
    )
    assert add.status_code == 302
    phase = Phase.objects.get(position=3)
    url = reverse("admin:lifecycle_phase_change", args=[phase.pk])
    assert client.get(url).status_code == 200  # view only
    payload = {
        "track": phase.track_id,
        "stage": phase.stage_id,
        "slug": phase.slug,
        "name": "Renamed",
        "short_name": phase.short_name,
        "position": phase.position,
        "description": phase.description,
    }
    assert client.post(url, payload).status_code == 403
    client.force_login(admin_user)
    assert client.post(url, payload).status_code == 302
    phase.refresh_from_db()
    assert phase.name == "Renamed"


def test_drafts_and_withdrawn_never_reach_buyers(client):
    published = make_provider("Visible Co", slug="visible-co")
    make_provider("Draft Co", slug="draft-co", status=Provider.Status.DRAFT)
    make_provider("Gone Co", slug="gone-co", status=Provider.Status.WITHDRAWN)
    assert list(Provider.objects.published()) == [published]
    listing = client.get("/providers/").content.decode()
    assert "Visible Co" in listing
    assert "Draft Co" not in listing and "Gone Co" not in listing
    assert client.get("/providers/visible-co/").status_code == 200
    assert client.get("/providers/draft-co/").status_code == 404
    assert client.get("/providers/gone-co/").status_code == 404


def test_facet_counts_are_on_request_for_a_large_directory(client, curator, monkeypatch):
    from providers.curation import workbench as provider_admin

    for number in range(3):
        make_provider(f"Big {number}", slug=f"big-{number}")
    assert "(3)" in client.get(CHANGELIST).content.decode()  # small: counts always shown
    monkeypatch.setattr(provider_admin, "FACETS_ALWAYS_UP_TO", 2)
    html = client.get(CHANGELIST).content.decode()
    assert "Show counts" in html and "(3)" not in html
    assert "(3)" in client.get(CHANGELIST + "?_facets=True").content.decode()


def service_payload(provider, service, **changes) -> dict:
    """The change form as posted for a provider with one saved service and its sites."""
    sites = list(provider.sites.all())
    data = edit_payload(
        provider,
        **{
            "services-INITIAL_FORMS": "1",
            "services-0-id": service.pk,
            "services-0-provider": provider.pk,
            "services-0-capability": service.capability_id,
            "services-0-first_phase": str(service.first_phase_id),
            "services-0-last_phase": str(service.last_phase_id),
            "services-0-note": service.note,
            "sites-TOTAL_FORMS": str(len(sites)),
            "sites-INITIAL_FORMS": str(len(sites)),
        },
    )
    for number, site in enumerate(sites):
        data.update(
            {
                f"sites-{number}-id": site.pk,
                f"sites-{number}-provider": provider.pk,
                f"sites-{number}-name": site.name,
                f"sites-{number}-city": site.city,
                f"sites-{number}-country": str(site.country),
                f"sites-{number}-site_certifications": [],
            }
        )
    data.update(changes)
    return data


def test_a_services_modalities_dosage_forms_and_sites_are_edited_with_history(client, curator):
    from providers.directory.index import current_token
    from providers.models import DosageForm, Modality, Service

    provider = make_provider(
        "Per Service",
        types=("cdmo",),
        services=(("oral-solid-dose", 3, 6),),
        sites=({"name": "Main", "country": "DE"}, {"name": "Annex", "country": "FR"}),
    )
    service = provider.services.get()
    annex = provider.sites.get(name="Annex")
    url = reverse("admin:providers_provider_change", args=[provider.pk])
    page = client.get(url).content.decode()
    assert 'name="services-0-service_modalities"' in page
    assert 'name="services-0-service_sites"' in page and "Annex" in page
    before = current_token()
    history_rows = Service.history.filter(id=service.pk).count()
    small = Modality.objects.get(slug="small-molecule")
    tablet = DosageForm.objects.get(slug="tablet")
    response = client.post(
        url,
        service_payload(
            provider,
            service,
            **{
                "services-0-service_modalities": [small.pk],
                "services-0-service_dosage_forms": [tablet.pk],
                "services-0-service_sites": [annex.pk],
            },
        ),
    )
    assert response.status_code == 302, response.context and [
        form.errors for form in response.context["inline_admin_formsets"][0].formset.forms
    ]
    assert list(service.modalities.all()) == [small]
    assert list(service.dosage_forms.all()) == [tablet]
    assert list(service.sites.all()) == [annex]
    # The buyer's side follows at once: derived columns and the version token.
    provider.refresh_from_db()
    assert provider.modality_ids == [small.pk]
    assert current_token() != before
    # History holds the service as it now is, links included, for the timeline and restore.
    latest = Service.history.filter(id=service.pk).first()
    assert Service.history.filter(id=service.pk).count() > history_rows
    assert [link.site_id for link in latest.sites.all()] == [annex.pk]
    assert [link.dosageform_id for link in latest.dosage_forms.all()] == [tablet.pk]
    timeline = client.get(reverse("admin:providers_provider_history", args=[provider.pk]))
    assert "Tablet" in timeline.content.decode()


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("dosage", "Oral solid dose manufacture does not list Sterile injectable"),
        ("site", "is not a site of this provider"),
    ],
)
def test_a_wrong_dosage_form_or_another_providers_site_is_refused(client, curator, field, message):
    from providers.models import DosageForm

    provider = make_provider(
        "Checked Links",
        services=(("oral-solid-dose", 3, 6),),
        sites=({"name": "Own", "country": "DE"},),
    )
    other = make_provider("Other", sites=({"name": "Theirs", "country": "US"},))
    service = provider.services.get()
    change = (
        {"services-0-service_dosage_forms": [DosageForm.objects.get(slug="sterile-injectable").pk]}
        if field == "dosage"
        else {"services-0-service_sites": [other.sites.get().pk]}
    )
    url = reverse("admin:providers_provider_change", args=[provider.pk])
    response = client.post(url, service_payload(provider, service, **change))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not service.dosage_forms.exists() and not service.sites.exists()


def test_a_capability_without_dosage_forms_takes_none(client, curator):
    from providers.models import DosageForm

    provider = make_provider("No Forms", services=(("glp-toxicology", 2, 3),))
    service = provider.services.get()
    url = reverse("admin:providers_provider_change", args=[provider.pk])
    response = client.post(
        url,
        service_payload(
            provider,
            service,
            **{"services-0-service_dosage_forms": [DosageForm.objects.get(slug="tablet").pk]},
        ),
    )
    assert response.status_code == 200
    assert "has no dosage forms; leave out Tablet" in response.content.decode()
    assert not service.dosage_forms.exists()


def test_the_change_page_runs_a_fixed_number_of_queries_whatever_the_services(admin_client):
    def queries(count: int) -> int:
        services = (
            ("process-development", 2, 7),
            ("oral-solid-dose", 3, 6, {"modalities": ("small-molecule",), "sites": ("A",)}),
            ("glp-toxicology", 2, 3),
            ("clinical-api-manufacture", 2, 5, {"modalities": ("peptide",)}),
            ("sterile-fill-finish", 3, 7, {"dosage_forms": ("lyophilised",)}),
        )[:count]
        provider = make_provider(services=services, sites=({"name": "A", "country": "DE"},))
        url = reverse("admin:providers_provider_change", args=[provider.pk])
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(url).status_code == 200
        return len(captured)

    queries(1)  # caches filled (content types)
    assert queries(5) == queries(1)


def test_the_service_page_edits_the_same_links_with_the_same_checks(client, curator):
    from providers.models import DosageForm, Modality

    provider = make_provider(
        "Service Page",
        services=(("oral-solid-dose", 3, 6),),
        sites=({"name": "Own", "country": "DE"},),
    )
    service = provider.services.get()
    url = reverse("admin:providers_service_change", args=[service.pk])
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:providers_service_add")).status_code == 200
    payload = {
        "capability": service.capability_id,
        "first_phase": "3",
        "last_phase": "6",
        "note": "",
        "service_modalities": [Modality.objects.get(slug="peptide").pk],
        "service_dosage_forms": [DosageForm.objects.get(slug="softgel").pk],
        "service_sites": [provider.sites.get().pk],
    }
    response = client.post(url, payload)
    assert response.status_code == 200
    assert "does not list Soft gelatin capsule" in response.content.decode()
    payload["service_dosage_forms"] = [DosageForm.objects.get(slug="capsule").pk]
    assert client.post(url, payload).status_code == 302
    assert [form.slug for form in service.dosage_forms.all()] == ["capsule"]
    assert [site.name for site in service.sites.all()] == ["Own"]
    provider.refresh_from_db()
    assert provider.modality_ids == [Modality.objects.get(slug="peptide").pk]
