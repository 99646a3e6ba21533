"""The whole flow in real Chromium: a buyer shortlists and sends a request, a provider's user
answers in a second browser context (without JavaScript), another declines, the buyer
compares and decides. Then every request page through axe and on a 375 px screen."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from providers.accounts.models import ProviderMembership
from providers.mail.models import OutboundMessage
from providers.rfis.models import Answer, Recipient
from tests.directory.test_browser import (  # noqa: F401  (autouse fixtures)
    _blocking_calls_allowed,
    _reference_data,
    close_and_check,
    watched_context,
)
from tests.rfis.conftest import make_request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(browser, live_server, user, **options):
    """A browser context with ``user``'s session cookie (sign-in itself is allauth's)."""
    client = Client()
    client.force_login(user)
    context = watched_context(browser, **options)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


@pytest.fixture
def people(directory):
    buyer = User.objects.create_user("flow-buyer", email="flow-buyer@example.com")
    beta_rep = User.objects.create_user("flow-beta", email="flow-beta@example.com")
    delta_rep = User.objects.create_user("flow-delta", email="flow-delta@example.com")
    ProviderMembership.objects.create(user=beta_rep, provider=directory["beta"])
    ProviderMembership.objects.create(user=delta_rep, provider=directory["delta"])
    return {"buyer": buyer, "beta_rep": beta_rep, "delta_rep": delta_rep, **directory}


def test_a_buyer_sends_providers_answer_and_the_buyer_compares(browser, live_server, people):
    buyer_context, buyer = signed_in(browser, live_server, people["buyer"])
    buyer.goto(f"{live_server.url}/providers/?type=cdmo")
    for slug in ("beta-biologics", "delta-oligo"):
        buyer.locator(f"#shortlist-{slug} button").click()
        buyer.wait_for_selector(f"#shortlist-{slug} button[aria-pressed=true]")
    buyer.get_by_role("link", name="Shortlist").click()
    buyer.get_by_role("link", name="Request information").click()
    assert buyer.get_by_label("Beta Biologics").is_checked()
    assert buyer.get_by_label("Delta Oligo").is_checked()
    buyer.get_by_label("Title").fill("Antibody drug substance, Phase I")
    buyer.get_by_label("What is needed").fill("5 kg of a monoclonal antibody for a first trial.")
    buyer.get_by_label("Capabilities needed").select_option(
        label="Mammalian cell culture biologics manufacture"
    )
    buyer.get_by_label("Modality").select_option(
        label="Monoclonal antibody (mAb) and other biologics"
    )
    buyer.get_by_label("Sterile").check()
    buyer.get_by_label("US FDA").check()
    buyer.get_by_label("Your own questions").fill("Can you ship to Japan?")
    buyer.get_by_role("button", name="Save draft").click()
    buyer.get_by_text("Draft saved.").wait_for()
    buyer.get_by_role("button", name="Send to 2 providers").click()
    buyer.get_by_text("Sent. The providers").wait_for()
    assert OutboundMessage.objects.filter(reason="rfi_new_request").count() == 2

    # Beta's representative answers, in a browser without JavaScript.
    beta_context, beta = signed_in(
        browser, live_server, people["beta_rep"], java_script_enabled=False
    )
    beta.goto(f"{live_server.url}/inbox/")
    beta.get_by_role("link", name="Antibody drug substance, Phase I").click()
    assert "Can you ship to Japan?" in beta.content()
    beta.get_by_label("Capacity and earliest start").fill("A 2000 L line from May")
    beta.get_by_role("button", name="Save draft").click()
    beta.get_by_text("Draft saved.").wait_for()
    assert beta.get_by_label("Capacity and earliest start").input_value() == (
        "A 2000 L line from May"
    )
    beta.get_by_label("Experience with this modality").fill("30 antibodies since 2012")
    beta.get_by_label("Relevant recent inspections").fill("FDA pre-approval 2025, NAI")
    beta.get_by_label("Indicative price range").fill("EUR 1.1 to 1.4 million")
    beta.get_by_label("Main risks").fill("Titre below 2 g/L")
    beta.get_by_label("Can you ship to Japan?").fill("Yes, through a partner")
    beta.get_by_role("button", name="Submit the answer").click()
    beta.get_by_text("Answer submitted").wait_for()
    close_and_check(beta_context)

    # Delta's representative declines.
    delta_context, delta = signed_in(browser, live_server, people["delta_rep"])
    delta.goto(f"{live_server.url}/inbox/")
    delta.get_by_role("link", name="Antibody drug substance, Phase I").click()
    delta.get_by_label("No capacity").check()
    delta.get_by_role("button", name="Decline this request").click()
    delta.get_by_text("Declined. The buyer has been told.").wait_for()
    close_and_check(delta_context)

    # The buyer compares and decides.
    buyer.reload()
    assert "Opened" in buyer.content() or "Answered" in buyer.content()
    buyer.get_by_role("link", name="Compare the answers").click()
    table = buyer.locator("table.compare")
    table.wait_for()  # the click does not wait for the page it opens
    assert table.locator("thead th").all_inner_texts() == ["Beta Biologics", "Delta Oligo"]
    text = table.inner_text()
    assert "A 2000 L line from May" in text and "Yes, through a partner" in text
    assert "Declined: No capacity" in text
    buyer.get_by_label("Decision on Beta Biologics").select_option(label="Advancing")
    buyer.get_by_role("button", name="Save decision on Beta Biologics").click()
    buyer.get_by_text("Beta Biologics: advancing.").wait_for()
    with buyer.expect_download() as download:
        buyer.get_by_role("link", name="Export XLSX").click()
    assert download.value.suggested_filename.endswith("-answers.xlsx")
    buyer.get_by_role("link", name="Antibody drug substance, Phase I").click()
    events = buyer.locator(".events").inner_text()
    for line in (
        "Created",
        "Sent",
        "Opened: Beta Biologics",
        "Answered: Beta Biologics",
        "Declined: Delta Oligo",
        "Marked advancing by the buyer: Beta Biologics",
    ):
        assert line in events
    close_and_check(buyer_context)


@pytest.fixture
def answered(people):
    rfi = make_request(
        people["buyer"],
        [people["beta"], people["delta"]],
        deadline=timezone.now().date() + datetime.timedelta(days=7),
    )
    item = rfi.recipients.get(provider=people["beta"])
    Answer.objects.create(
        recipient=item,
        capacity="A 2000 L line from May, and a second one from September if needed",
        modality_experience="Thirty antibodies",
        inspections="FDA 2025",
        price_range="EUR 1.1 to 1.4 million",
        risks="Titre",
        answers=["Yes"],
        submitted_at=timezone.now(),
    )
    Recipient.objects.filter(pk=item.pk).update(response="answered", responded_at=timezone.now())
    return {"rfi": rfi, "item": item, **people}


def rfi_paths(answered) -> list[tuple[str, str]]:
    rfi, item = answered["rfi"], answered["item"]
    return [
        ("buyer", "/requests/"),
        ("buyer", "/requests/new/"),
        ("buyer", f"/requests/{rfi.pk}/"),
        ("buyer", f"/requests/{rfi.pk}/compare/"),
        ("delta_rep", "/inbox/"),
        ("delta_rep", f"/inbox/{rfi.recipients.get(provider__slug='delta-oligo').pk}/"),
        ("beta_rep", f"/inbox/{item.pk}/"),
    ]


def test_request_pages_pass_axe(browser, live_server, answered):
    from axe_playwright_python.sync_playwright import Axe

    bad = []
    for who, path in rfi_paths(answered):
        context, page = signed_in(browser, live_server, answered[who])
        if path == "/requests/new/":
            page.goto(f"{live_server.url}/providers/")
            page.locator("#shortlist-beta-biologics button").click()
            page.wait_for_selector("#shortlist-beta-biologics button[aria-pressed=true]")
        page.goto(f"{live_server.url}{path}")
        results = Axe().run(page)
        bad += [
            f"{path}: {violation['id']}: {violation['help']}"
            for violation in results.response["violations"]
            if violation["impact"] in ("serious", "critical")
        ]
        close_and_check(context)
    assert bad == []


def test_request_pages_fit_a_375_pixel_screen(browser, live_server, answered):
    too_wide = []
    for who, path in rfi_paths(answered):
        context, page = signed_in(
            browser, live_server, answered[who], viewport={"width": 375, "height": 800}
        )
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 375:
            too_wide.append(f"{path}: {width}px")
        close_and_check(context)
    assert too_wide == []
