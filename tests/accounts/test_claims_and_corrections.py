"""Claiming a profile (decided by a curator on email-domain evidence), corrections reviewed
before they are published, and the provider's confirmation of its record."""

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail as django_mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from providers.accounts import claims, corrections
from providers.accounts.models import (
    Correction,
    Decision,
    ProfileClaim,
    ProviderConfirmation,
    ProviderMembership,
)
from providers.evidence import VerificationState
from providers.models import Provider
from tests.accounts.conftest import make_buyer
from tests.factories import make_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db):
    return make_provider(
        "Acme Pharma", slug="acme-pharma", website="https://www.acme.example/", hq_country="CH"
    )


@pytest.fixture
def rep(db):
    return make_buyer("ann@acme.example")


@pytest.fixture
def curator_client(db):
    curator = User.objects.create_user("cora", "cora@directory.example", "pw", is_staff=True)
    curator.groups.add(Group.objects.get(name="Curators"))
    client = Client()
    client.force_login(curator)
    client.user = curator
    return client


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def represent(user, provider) -> ProviderMembership:
    return ProviderMembership.objects.create(user=user, provider=provider)


# ---------------------------------------------------------------- claims


def test_the_provider_page_offers_the_claim(client, acme):
    page = client.get(acme.get_absolute_url()).content.decode()
    assert f'href="{reverse("accounts:claim", args=[acme.slug])}">Claim this profile</a>' in page
    response = client.get(reverse("accounts:claim", args=[acme.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_signed_in_user_claims_a_profile_once(rep, acme):
    client = as_user(rep)
    url = reverse("accounts:claim", args=[acme.slug])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"role": "", "message": "hi"})
    assert bad.status_code == 400 and "This field is required." in bad.content.decode()
    client.post(url, {"role": "Business development", "message": "I run BD."})
    claim = ProfileClaim.objects.get()
    assert (claim.user, claim.provider, claim.status) == (rep, acme, Decision.PENDING)
    assert "is waiting for a curator" in client.get(url).content.decode()
    client.post(url, {"role": "Again", "message": ""})
    assert ProfileClaim.objects.count() == 1
    assert not ProviderMembership.objects.exists()  # nothing until a curator decides


def test_an_unpublished_provider_cannot_be_claimed(rep):
    draft = make_provider("Draft Co", slug="draft-co", status=Provider.Status.DRAFT)
    assert as_user(rep).get(reverse("accounts:claim", args=[draft.slug])).status_code == 404


@pytest.mark.parametrize(
    ("email", "website", "matches"),
    [
        ("ann@acme.example", "https://www.acme.example/", True),
        ("ann@eu.acme.example", "https://acme.example", True),
        ("ann@acme.example", "https://shop.acme.example/en/", True),
        ("ann@gmail.example", "https://www.acme.example/", False),
        ("ann@notacme.example", "https://acme.example/", False),
        ("ann@acme.example", "", False),
    ],
)
def test_the_evidence_is_whether_a_confirmed_address_is_on_the_website_domain(
    email, website, matches
):
    provider = make_provider("Evidence Co", website=website)
    user = make_buyer(email)
    claim = ProfileClaim.objects.create(user=user, provider=provider, role="CEO")
    assert claims.domain_evidence(claim)[0] is matches


def test_an_unconfirmed_address_is_no_evidence(acme):
    from allauth.account.models import EmailAddress

    user = make_buyer("ann@acme.example")
    EmailAddress.objects.filter(user=user).update(verified=False)
    claim = ProfileClaim.objects.create(user=user, provider=acme, role="CEO")
    assert claims.domain_evidence(claim) == (False, "The user has no confirmed email address.")


def test_a_curator_sees_the_evidence_and_approves_the_claim(curator_client, rep, acme, on_commit):
    claim = ProfileClaim.objects.create(user=rep, provider=acme, role="BD")
    listing = curator_client.get(reverse("admin:accounts_profileclaim_changelist"))
    assert "is on the website&#x27;s domain acme.example" in listing.content.decode()
    with on_commit():
        curator_client.post(
            reverse("admin:accounts_profileclaim_changelist"),
            {"action": "approve", "_selected_action": [claim.pk]},
        )
    claim.refresh_from_db()
    assert claim.status == Decision.APPROVED and claim.decided_by == curator_client.user
    membership = ProviderMembership.objects.get(user=rep, provider=acme)
    assert membership.approved_by == curator_client.user
    [sent] = django_mail.outbox
    assert sent.to == ["ann@acme.example"] and "was approved" in sent.body
    assert reverse("accounts:represent", args=[acme.slug]) in sent.body
    # A decided claim is not decided again.
    curator_client.post(
        reverse("admin:accounts_profileclaim_changelist"),
        {"action": "reject", "_selected_action": [claim.pk]},
    )
    claim.refresh_from_db()
    assert claim.status == Decision.APPROVED


def test_a_rejected_claim_gives_no_access(curator_client, rep, acme):
    claim = ProfileClaim.objects.create(user=rep, provider=acme, role="BD")
    curator_client.post(
        reverse("admin:accounts_profileclaim_changelist"),
        {"action": "reject", "_selected_action": [claim.pk]},
    )
    claim.refresh_from_db()
    assert claim.status == Decision.REJECTED and claim.decided_at is not None
    assert not ProviderMembership.objects.exists()
    assert as_user(rep).get(reverse("accounts:represent", args=[acme.slug])).status_code == 403


def test_a_buyer_cannot_decide_claims(rep, acme):
    claim = ProfileClaim.objects.create(user=rep, provider=acme, role="BD")
    client = as_user(rep)
    response = client.post(
        reverse("admin:accounts_profileclaim_changelist"),
        {"action": "approve", "_selected_action": [claim.pk]},
    )
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    claim.refresh_from_db()
    assert claim.status == Decision.PENDING and not ProviderMembership.objects.exists()


# ---------------------------------------------------------------- corrections


CHANGE = {
    "summary": "Peptide CDMO with GMP sites in Switzerland.",
    "website": "https://www.acme.example/",
    "hq_country": "DE",
    "services_note": "We stopped oral solids in 2025.",
    "sites_note": "",
}


def test_only_the_providers_representatives_reach_its_page(rep, acme, other_buyer):
    represent(rep, acme)
    other = make_provider("Other Co", slug="other-co")
    assert as_user(rep).get(reverse("accounts:represent", args=[acme.slug])).status_code == 200
    # Another provider's page, and another user on this one, by direct URL.
    assert as_user(rep).get(reverse("accounts:represent", args=[other.slug])).status_code == 403
    outsider = as_user(other_buyer)
    for name in ("accounts:represent", "accounts:confirm-record"):
        url = reverse(name, args=[acme.slug])
        assert outsider.post(url, CHANGE).status_code == 403
    assert not Correction.objects.exists()
    acme.refresh_from_db()
    assert acme.state == VerificationState.COMPILED


def test_a_correction_waits_for_a_curator_and_is_never_published_unreviewed(rep, acme, client):
    represent(rep, acme)
    response = as_user(rep).post(reverse("accounts:represent", args=[acme.slug]), CHANGE)
    assert response.status_code == 302
    correction = Correction.objects.get()
    assert correction.changes == {
        "summary": ["Acme Pharma summary.", CHANGE["summary"]],
        "hq_country": ["CH", "DE"],
    }
    assert correction.services_note == "We stopped oral solids in 2025."
    acme.refresh_from_db()
    assert acme.summary == "Acme Pharma summary." and acme.hq_country == "CH"
    assert CHANGE["summary"] not in client.get(acme.get_absolute_url()).content.decode()


def test_a_correction_with_nothing_changed_or_a_bad_value_is_refused(rep, acme):
    represent(rep, acme)
    make_provider("Taken", slug="taken", website="https://taken.example")
    client = as_user(rep)
    url = reverse("accounts:represent", args=[acme.slug])
    unchanged = client.post(
        url,
        {"summary": acme.summary, "website": acme.website, "hq_country": "CH"},
    )
    assert unchanged.status_code == 400
    assert "Nothing to send" in unchanged.content.decode()
    bad = client.post(url, {**CHANGE, "website": "https://TAKEN.example", "hq_country": "XX"})
    page = bad.content.decode()
    assert bad.status_code == 400
    assert "Another provider in the directory has this website." in page
    assert "Select a valid choice" in page
    assert not Correction.objects.exists()


def test_the_curator_sees_old_and_new_and_accepting_applies_it_with_history(
    curator_client, rep, acme, on_commit
):
    represent(rep, acme)
    correction = corrections.propose(acme, rep, CHANGE, CHANGE["services_note"], "")
    detail = curator_client.get(
        reverse("admin:accounts_correction_change", args=[correction.pk])
    ).content.decode()
    assert '<td class="diff-old">CH</td><td class="diff-new">DE</td>' in detail
    assert "We stopped oral solids in 2025." in detail
    with on_commit():
        curator_client.post(
            reverse("admin:accounts_correction_changelist"),
            {"action": "accept", "_selected_action": [correction.pk]},
        )
    correction.refresh_from_db()
    acme.refresh_from_db()
    assert correction.status == Decision.APPROVED
    assert correction.decided_by == curator_client.user
    assert acme.summary == CHANGE["summary"] and acme.hq_country == "DE"
    latest = acme.history.first()
    assert latest.history_user == curator_client.user
    assert "Correction proposed by" in latest.history_change_reason
    assert django_mail.outbox[-1].to == ["ann@acme.example"]
    assert "accepted and published" in django_mail.outbox[-1].body


def test_a_record_changed_since_the_proposal_is_not_overwritten(curator_client, rep, acme):
    correction = corrections.propose(acme, rep, {"summary": "Theirs."}, "", "")
    Provider.objects.filter(pk=acme.pk).update(summary="A curator's edit.")
    response = curator_client.post(
        reverse("admin:accounts_correction_changelist"),
        {"action": "accept", "_selected_action": [correction.pk]},
        follow=True,
    )
    assert "The record changed since this correction was proposed" in response.content.decode()
    correction.refresh_from_db()
    acme.refresh_from_db()
    assert correction.status == Decision.PENDING and acme.summary == "A curator's edit."


def test_a_rejected_correction_changes_nothing(curator_client, rep, acme):
    correction = corrections.propose(acme, rep, {"summary": "Theirs."}, "", "")
    curator_client.post(
        reverse("admin:accounts_correction_changelist"),
        {"action": "reject", "_selected_action": [correction.pk]},
    )
    correction.refresh_from_db()
    acme.refresh_from_db()
    assert correction.status == Decision.REJECTED and acme.summary == "Acme Pharma summary."


# ---------------------------------------------------------------- confirmation


def test_a_representative_confirms_the_record_and_buyers_see_it(rep, acme, client):
    represent(rep, acme)
    response = as_user(rep).post(reverse("accounts:confirm-record", args=[acme.slug]))
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.state == VerificationState.CONFIRMED
    assert acme.state_on == timezone.localdate() and acme.checked_by is None
    confirmation = ProviderConfirmation.objects.get()
    assert confirmation.user == rep and confirmation.provider == acme
    assert acme.history.first().history_user == rep
    page = client.get(acme.get_absolute_url()).content.decode()
    assert "Confirmed by the provider today" in page


def test_confirming_waits_for_a_pending_correction(rep, acme):
    represent(rep, acme)
    corrections.propose(acme, rep, {"summary": "New."}, "", "")
    as_user(rep).post(reverse("accounts:confirm-record", args=[acme.slug]))
    acme.refresh_from_db()
    assert acme.state == VerificationState.COMPILED and not ProviderConfirmation.objects.exists()


def test_confirming_and_proposing_need_a_post_with_a_csrf_token(rep, acme):
    represent(rep, acme)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(rep)
    assert strict.get(reverse("accounts:confirm-record", args=[acme.slug])).status_code == 405
    assert strict.post(reverse("accounts:confirm-record", args=[acme.slug])).status_code == 403
    assert strict.post(reverse("accounts:represent", args=[acme.slug]), CHANGE).status_code == 403
    assert (
        strict.post(reverse("accounts:claim", args=[acme.slug]), {"role": "x"}).status_code == 403
    )
    acme.refresh_from_db()
    assert acme.state == VerificationState.COMPILED and not Correction.objects.exists()
