"""Curators and trust: evidence edited in the workbench, the review queue in order of
risk, and "checked now", which needs evidence and records who, when and against what."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from providers.models import Evidence, Provider
from tests.curation.test_admin_workbench import edit_payload
from tests.factories import add_evidence, make_provider

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:providers_reviewitem_changelist")
CHANGELIST = reverse("admin:providers_provider_changelist")


def test_curator_attaches_evidence_to_a_service_in_the_workbench(client, curator):
    provider = make_provider("Evidence Lab", services=[("glp-toxicology", 2, 3)])
    service = provider.services.get()
    url = reverse("admin:providers_provider_change", args=[provider.pk])
    form = client.get(url).content.decode()
    assert f'value="service:{service.pk}"' in form
    payload = edit_payload(
        provider,
        **{
            "services-TOTAL_FORMS": "2",
            "services-INITIAL_FORMS": "1",
            "services-0-id": service.pk,
            "services-0-provider": provider.pk,
            "services-0-capability": service.capability_id,
            "services-0-first_phase": "2",
            "services-0-last_phase": "3",
            "services-0-note": "",
            "services-1-capability": "",
            "all_evidence-TOTAL_FORMS": "1",
            "all_evidence-0-claim": f"service:{service.pk}",
            "all_evidence-0-url": "https://evidence.example/tox",
            "all_evidence-0-kind": "provider-page",
            "all_evidence-0-title": "Toxicology services",
            "all_evidence-0-seen_on": "2026-11-02",
            "all_evidence-0-quote": "GLP studies in rodents and non-rodents",
        },
    )
    response = client.post(url, payload)
    assert response.status_code == 302, response.content.decode()[:3000]
    item = Evidence.objects.get()
    assert (item.service_id, item.owner_id, item.recorded_by) == (service.pk, provider.pk, curator)
    provider.refresh_from_db()
    assert provider.backed_claim_count == 1


def test_curator_attaches_evidence_to_an_identity_and_an_inspection(client, curator):
    import datetime

    from providers.regulatory import Inspection, SiteIdentity

    provider = make_provider(
        "Inspected Lab", sites=[{"name": "Plant", "city": "Cork", "country": "IE"}]
    )
    site = provider.sites.get()
    fei = SiteIdentity.objects.create(site=site, scheme="fei", value="3001234567")
    inspection = Inspection.objects.create(
        site=site, authority="fda", end_date=datetime.date(2025, 3, 14), outcome="vai"
    )
    url = reverse("admin:providers_provider_change", args=[provider.pk])
    form = client.get(url).content.decode()
    assert f'value="site_identity:{fei.pk}"' in form
    assert f'value="inspection:{inspection.pk}"' in form
    assert "FDA FEI number 3001234567 at Plant" in form
    assert "Inspection: US FDA 14 Mar 2025 at Plant" in form
    payload = edit_payload(
        provider,
        **{
            "services-TOTAL_FORMS": "0",
            "sites-TOTAL_FORMS": "0",
            "all_evidence-TOTAL_FORMS": "2",
            "all_evidence-0-claim": f"site_identity:{fei.pk}",
            "all_evidence-0-url": "https://fda.example/fei",
            "all_evidence-0-kind": "regulator",
            "all_evidence-0-title": "FEI search",
            "all_evidence-0-seen_on": "2026-11-02",
            "all_evidence-1-claim": f"inspection:{inspection.pk}",
            "all_evidence-1-url": "https://fda.example/dashboard",
            "all_evidence-1-kind": "regulator",
            "all_evidence-1-title": "Dashboard",
            "all_evidence-1-seen_on": "2026-11-02",
        },
    )
    response = client.post(url, payload)
    assert response.status_code == 302, response.content.decode()[:3000]
    items = {item.target_name: item for item in Evidence.objects.all()}
    assert items["site_identity"].site_identity_id == fei.pk
    assert items["inspection"].inspection_id == inspection.pk
    assert {item.owner_id for item in items.values()} == {provider.pk}
    provider.refresh_from_db()
    assert (provider.backed_claim_count, provider.claim_count) == (2, 4)
    # The evidence admin names the claim, and offers both targets.
    listing = client.get(reverse("admin:providers_evidence_changelist")).content.decode()
    assert "regulator identity" in listing and "inspection" in listing
    change_form = client.get(
        reverse("admin:providers_evidence_change", args=[items["inspection"].pk])
    ).content.decode()
    assert 'name="inspection"' in change_form and 'name="site_identity"' in change_form


def test_evidence_url_must_be_http(client, curator):
    provider = make_provider("Bad Link")
    url = reverse("admin:providers_provider_change", args=[provider.pk])
    payload = edit_payload(
        provider,
        **{
            "all_evidence-TOTAL_FORMS": "1",
            "all_evidence-0-claim": "provider",
            "all_evidence-0-url": "javascript:alert(1)",
            "all_evidence-0-kind": "news",
            "all_evidence-0-title": "Bad",
            "all_evidence-0-seen_on": "2026-11-02",
        },
    )
    response = client.post(url, payload)
    assert response.status_code == 200
    assert "Enter a valid URL." in response.content.decode()
    assert not Evidence.objects.exists()


def test_review_queue_lists_records_by_risk(client, curator):
    today = timezone.localdate()
    someone = User.objects.create_user("checker")
    old = make_provider(
        "Old Check", state="checked", state_on=today.replace(year=2023), checked_by=someone
    )
    recent = make_provider("Recent Check", state="checked", state_on=today, checked_by=someone)
    make_provider("Compiled Bare", services=[("glp-toxicology", 2, 3)])
    backed = make_provider("Compiled Backed", services=[("glp-toxicology", 2, 3)])
    add_evidence(backed)
    add_evidence(backed.services.get())
    response = client.get(QUEUE)
    assert response.status_code == 200
    listed = [row.name for row in response.context["cl"].result_list]
    # Never checked first (most claims without evidence first), then the oldest check.
    assert listed == ["Compiled Bare", "Compiled Backed", old.name, recent.name]
    assert "2 of 2" in response.content.decode()


def test_a_recent_oai_or_warning_letter_leads_the_review_queue(client, curator):
    import datetime

    from providers.regulatory import Inspection

    today = timezone.localdate()
    someone = User.objects.create_user("checker")
    make_provider("Compiled Bare", services=[("glp-toxicology", 2, 3)])
    flagged = make_provider(
        "Recently Flagged",
        state="checked",
        state_on=today,
        checked_by=someone,
        sites=[{"name": "Plant", "country": "IN"}],
    )
    Inspection.objects.create(
        site=flagged.sites.get(),
        authority="fda",
        end_date=today - datetime.timedelta(days=200),
        outcome="vai",
        warning_letter=True,
    )
    long_ago = make_provider(
        "Flagged Long Ago",
        state="checked",
        state_on=today,
        checked_by=someone,
        sites=[{"name": "Works", "country": "IN"}],
    )
    Inspection.objects.create(
        site=long_ago.sites.get(),
        authority="fda",
        end_date=today.replace(year=today.year - 7),
        outcome="oai",
    )
    response = client.get(QUEUE)
    listed = [row.name for row in response.context["cl"].result_list]
    # A recent OAI or warning letter first; one older than five years counts no more.
    assert listed == ["Recently Flagged", "Compiled Bare", "Flagged Long Ago"]
    html = response.content.decode()
    assert "Recent OAI, warning letter or non-compliance" in html


def test_checked_now_refuses_a_record_without_evidence(client, curator):
    backed = make_provider("Has Evidence")
    add_evidence(backed)
    bare = make_provider("No Evidence")
    response = client.post(
        CHANGELIST,
        {"action": "checked_now", "_selected_action": [backed.pk, bare.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "Nothing was marked checked" in text and "No Evidence" in text
    backed.refresh_from_db()
    assert backed.state == "compiled" and backed.checked_by is None


def test_checked_now_records_who_when_and_against_which_evidence(client, curator):
    provider = make_provider("To Check", services=[("glp-toxicology", 2, 3)])
    first = add_evidence(provider)
    second = add_evidence(provider.services.get())
    response = client.post(
        QUEUE, {"action": "checked_now", "_selected_action": [provider.pk]}, follow=True
    )
    assert "Checked 1 record(s)" in response.content.decode()
    provider.refresh_from_db()
    assert provider.state == "checked"
    assert provider.state_on == timezone.localdate()
    assert provider.checked_by == curator
    assert set(provider.checked_against.all()) == {first, second}
    history = Provider.history.filter(id=provider.pk).first()
    assert history.state == "checked" and history.history_user == curator
    # The buyer sees the check, never "verified".
    page = client.get(provider.get_absolute_url()).content.decode()
    assert "Checked today" in page


def test_the_workbench_never_says_verified(client, curator):
    provider = make_provider("Plain Record", state_on=datetime.date(2026, 11, 25))
    for url in (CHANGELIST, reverse("admin:providers_provider_change", args=[provider.pk]), QUEUE):
        html = client.get(url).content.decode()
        assert "verified" not in html.lower().replace("is_verified", "")


def test_restoring_an_earlier_version_keeps_the_evidence_and_the_state(admin_client, admin_user):
    provider = make_provider("Restore Me", services=[("glp-toxicology", 2, 3)])
    add_evidence(provider.services.get())
    provider.name = "Restore Me"
    provider.save()
    first = provider.history.first()  # the service and its evidence exist by now
    provider.name = "Renamed"
    provider.save()
    url = reverse(
        "admin:providers_provider_restore", args=[provider.pk, "provider", first.history_id]
    )
    assert admin_client.post(url).status_code == 302
    provider.refresh_from_db()
    assert provider.name == "Restore Me"
    assert provider.backed_claim_count == 1 and Evidence.objects.count() == 1
