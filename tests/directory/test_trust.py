"""Trust on buyer pages: evidence beside each claim, how much of a record is backed, the
record's honest state and age, and the filters on evidence and on the age of a check."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from providers.evidence import state_summary
from providers.models import Provider, SiteCertificationLink
from tests.directory.test_directory import names
from tests.factories import add_evidence

pytestmark = pytest.mark.django_db


def months_ago(months: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=round(months * 30.5))


def check(provider: Provider, on: datetime.date) -> None:
    curator = User.objects.get_or_create(username="curator")[0]
    Provider.objects.filter(pk=provider.pk).update(state="checked", state_on=on, checked_by=curator)
    provider.refresh_from_db()
    provider.save()  # refresh derived columns and the index token


def test_provider_page_shows_the_evidence_beside_each_claim(
    client, directory, django_assert_num_queries
):
    beta = directory["beta"]
    add_evidence(beta, url="https://beta.example/about", title="About Beta", kind="annual-report")
    service = beta.services.get(capability__slug="mammalian-biologics")
    add_evidence(
        service,
        url="https://beta.example/biologics",
        title="Biologics <manufacture>",
        quote="2,000 L single-use bioreactors",
        seen_on=datetime.date(2026, 9, 3),
    )
    site = beta.sites.get()
    add_evidence(site, url="https://beta.example/cork", title="Cork plant page")
    link = SiteCertificationLink.objects.get(site=site, certification__slug="eu-gmp")
    add_evidence(
        link, url="https://eudragmdp.example/cert/1", title="GMP certificate", kind="regulator"
    )
    html = client.get("/providers/beta-biologics/").content.decode()
    assert '<a href="https://beta.example/about" rel="noopener noreferrer external">' in html
    assert "Annual report, seen 1 Nov 2026" in html
    assert "Biologics &lt;manufacture&gt;</a>" in html
    assert "<q>2,000 L single-use bioreactors</q>" in html
    assert "Provider&#x27;s own page, seen 3 Sep 2026" in html
    assert "Cork plant page" in html
    assert "Regulator register or inspection record, seen 1 Nov 2026" in html
    # The other service has none, and says so.
    assert "No evidence recorded." in html
    # profile, 2 services, 1 site, 2 certifications: 4 backed.
    assert "4 of 6 claims" in html
    # Still one query for the provider, whatever evidence it carries (and the version
    # token; the similar providers' cards are known from the first visit).
    with django_assert_num_queries(2):
        client.get("/providers/beta-biologics/")


def test_provider_page_shows_evidence_beside_identities_and_inspections(
    client, directory, django_assert_num_queries
):
    from providers.regulatory import Inspection, SiteIdentity

    beta = directory["beta"]
    site = beta.sites.get()
    fei = SiteIdentity.objects.create(site=site, scheme="fei", value="3001234567")
    SiteIdentity.objects.create(site=site, scheme="duns", value="123456789")
    inspection = Inspection.objects.create(
        site=site, authority="fda", end_date=datetime.date(2025, 3, 14), outcome="nai"
    )
    Inspection.objects.create(
        site=site, authority="eu", end_date=datetime.date(2024, 6, 1), outcome="gmp-certificate"
    )
    add_evidence(
        fei, url="https://fda.example/fei/3001234567", title="FEI <register>", kind="regulator"
    )
    add_evidence(
        inspection,
        url="https://fda.example/dashboard",
        title="FDA classification",
        kind="regulator",
        quote="NAI",
    )
    html = client.get("/providers/beta-biologics/").content.decode()
    identities = html[html.index('<ul class="site-identities">') :]
    identities = identities[: identities.index("</ul></li></ul>")]
    # Each identity with its own evidence, or the words that it has none.
    assert "FEI &lt;register&gt;</a>" in identities
    assert identities.count("No evidence recorded.") == 1
    table = html[html.index('<table class="inspections">') :]
    table = table[: table.index("</table>")]
    assert '<th scope="col">Evidence</th>' in table
    newest = table[table.index("14 Mar 2025") : table.index("1 Jun 2024")]
    assert '<a href="https://fda.example/dashboard"' in newest and "<q>NAI</q>" in newest
    assert "No evidence recorded." in table[table.index("1 Jun 2024") :]
    # profile, 2 services, 1 site, 2 certifications, 2 identities, 2 inspections: 2 backed.
    assert "2 of 10 claims" in html
    with django_assert_num_queries(2):  # the version token and the provider
        client.get("/providers/beta-biologics/")


def test_cards_show_how_much_of_the_record_is_backed(client, directory):
    alpha = directory["alpha"]
    add_evidence(alpha.services.first())
    add_evidence(alpha)
    html = client.get("/providers/?q=alpha").content.decode()
    # profile, 2 services, 1 site, 1 certification
    assert "2 of 5 claims with evidence" in html


def test_only_services_with_evidence(client, directory):
    alpha, beta, delta = directory["alpha"], directory["beta"], directory["delta"]
    add_evidence(alpha.services.get(capability__slug="glp-toxicology"))
    add_evidence(beta.services.get(capability__slug="sterile-fill-finish"))
    add_evidence(delta)  # the profile only: no service is backed
    assert names(client.get("/providers/?evidence=1")) == ["Alpha Discovery", "Beta Biologics"]
    # With capabilities chosen, those services must carry the evidence.
    assert names(client.get("/providers/?evidence=1&capability=glp-toxicology")) == [
        "Alpha Discovery"
    ]
    assert names(client.get("/providers/?evidence=1&capability=target-validation")) == []
    assert (
        names(
            client.get(
                "/providers/?evidence=1&capability=glp-toxicology&capability=target-validation"
            )
        )
        == []
    )
    html = client.get("/providers/?evidence=1").content.decode()
    assert 'name="evidence" value="1" checked' in html
    # The filter travels in every link (pages, suggestions).
    empty = client.get("/providers/?evidence=1&capability=target-validation").content.decode()
    assert "Remove only services with evidence" in empty


def test_filter_by_age_of_check_and_sort_recently_checked(client, directory):
    check(directory["alpha"], months_ago(3))
    check(directory["beta"], months_ago(14))
    check(directory["gamma"], months_ago(30))
    assert names(client.get("/providers/?checked=6")) == ["Alpha Discovery"]
    assert names(client.get("/providers/?checked=24")) == ["Alpha Discovery", "Beta Biologics"]
    # Compiled records come after every checked one, whatever their dates.
    ordered = names(client.get("/providers/?sort=verified"))
    assert ordered[:3] == ["Alpha Discovery", "Beta Biologics", "Gamma Manufacturing"]
    html = client.get("/providers/?checked=99").content.decode()
    assert "Ignored an unknown age of check" in html
    assert "Recently checked" in html and "Recently verified" not in html


def test_old_checks_carry_a_visible_warning(client, directory):
    check(directory["beta"], months_ago(14))
    check(directory["gamma"], months_ago(30))
    beta = client.get("/providers/?q=beta").content.decode()
    assert "Checked 14 months ago" in beta
    assert "(Over a year old)" in beta
    gamma = client.get("/providers/gamma-manufacturing/").content.decode()
    assert "Checked 2 years ago" in gamma
    assert "Over two years old: check before relying on it" in gamma


@pytest.mark.parametrize(
    ("state", "since", "text", "warning"),
    [
        ("compiled", datetime.date(2026, 11, 23), "Compiled 3 days ago", ""),
        ("checked", datetime.date(2025, 9, 20), "Checked 14 months ago", "Over a year old"),
        (
            "confirmed",
            datetime.date(2024, 11, 26),
            "Confirmed by the provider 2 years ago",
            "Over two years old",
        ),
        ("checked", datetime.date(2026, 11, 26), "Checked today", ""),
        ("compiled", None, "Compiled, date not recorded", ""),
    ],
)
def test_state_and_age_in_words(state, since, text, warning):
    shown, warned = state_summary(state, since, datetime.date(2026, 11, 26))
    assert shown == text
    assert warned.startswith(warning) and bool(warned) == bool(warning)
