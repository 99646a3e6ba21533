"""Every page type is valid HTML, as the Nu HTML Checker (vnu.jar) sees it.

All pages are rendered first and checked in one run of the checker: the JVM takes seconds
to start, the checking itself milliseconds. The checker comes from the `vnu-jar` npm
package (`npm ci` at the top level; `make test` does it when it is missing).
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from providers.interchange.format import COLUMNS
from providers.models import Provider, Site
from tests.factories import make_provider
from tests.rfis.pages import rfi_pages

pytestmark = pytest.mark.django_db

VNU_JAR = Path(settings.BASE_DIR) / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# A fragment swapped in by htmx is checked inside the smallest valid document.
FRAGMENT_DOCUMENT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fragment</title></head>
<body>{}</body></html>
"""


def fragment_document(fragment: str) -> str:
    """A fragment inside the smallest valid document. A ``<title>`` in an htmx answer is
    taken out by htmx (it becomes the page's title), so it goes to the head here."""
    import re

    title = re.search(r"<title>(.*?)</title>", fragment, re.S)
    if title:
        fragment = fragment.replace(title.group(0), "", 1)
        return FRAGMENT_DOCUMENT.replace("<title>Fragment</title>", title.group(0)).format(fragment)
    return FRAGMENT_DOCUMENT.format(fragment)


def run_checker(files: list[Path]) -> list[dict]:
    """The checker's error messages for ``files`` (one JVM for all of them)."""
    java = shutil.which("java")
    if java is None:
        pytest.fail("The HTML check needs Java: apt-get install -y default-jre-headless")
    if not VNU_JAR.exists():
        pytest.fail("The HTML check needs the Nu HTML Checker: run `npm ci` (make test does).")
    completed = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--errors-only", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        return json.loads(completed.stderr or completed.stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"The HTML checker did not answer as expected:\n{completed.stderr}")


def describe(messages: list[dict], names: dict[str, str]) -> str:
    lines = []
    for message in messages:
        page = names.get(message.get("url", "").removeprefix("file:"), message.get("url", "?"))
        lines.append(f"{page} line {message.get('lastLine', '?')}: {message.get('message')}")
    return "\n".join(lines)


def curator_pages(client) -> dict[str, str]:
    """The admin pages of our own: import (form and preview), history, restore preview."""
    admin = User.objects.create_superuser("valid-admin", password="pw-admin-123")
    client.force_login(admin)
    provider = make_provider("History Co", slug="history-co", services=[("glp-toxicology", 2, 3)])
    site = Site.objects.create(provider=provider, name="North plant", city="Leeds", country="GB")
    provider.name = "History Company"
    provider.save()
    site.city = "York"
    site.save()
    import_url = reverse("admin:providers_provider_import")
    good = (
        "acme-pharma,Acme Pharma,cro,CH,https://acme.example,Process chemistry.,"
        "pharmaceutical,small-molecule,process-development: phase-1 to phase-3,,"
        "published,2026-10-01,https://acme.example/about,no"
    )
    bad = "bad slug!,,nothing,XX,,,,,,,unknown,,,no"
    upload = "\n".join([",".join(COLUMNS), good, bad]).encode() + b"\n"
    point = provider.history.last()
    pages = {
        "admin import form": client.get(import_url),
        "admin import preview": client.post(
            import_url, {"file": SimpleUploadedFile("providers.csv", upload)}
        ),
        "admin provider list": client.get(reverse("admin:providers_provider_changelist")),
        "admin history": client.get(
            reverse("admin:providers_provider_history", args=[provider.pk])
        ),
        "admin restore preview": client.get(
            reverse(
                "admin:providers_provider_restore",
                args=[provider.pk, "provider", point.history_id],
            )
        ),
    }
    client.logout()
    return {name: response.content.decode() for name, response in pages.items()}


def lockout_page(client) -> str:
    User.objects.create_user("locked-user", password="right-password")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        response = client.post(
            reverse("admin:login"), {"username": "locked-user", "password": "wrong"}
        )
    assert response.status_code == 429, "the lockout page was not reached"
    return response.content.decode()


def account_pages(client) -> dict[str, str]:
    """allauth's pages in the site's layout, and the account's own pages."""
    from allauth.account.models import EmailAddress
    from django.test import Client

    from providers.accounts.alerts import unsubscribe_token
    from providers.accounts.models import Correction, ProviderMembership, SavedSearch

    visitor = Client()
    pages = {
        "sign in": visitor.get(reverse("account_login")),
        "sign in, wrong password": visitor.post(
            reverse("account_login"), {"login": "nobody@example.com", "password": "wrong"}
        ),
        "sign up": visitor.get(reverse("account_signup")),
        "sign up, errors": visitor.post(
            reverse("account_signup"),
            {"email": "not-an-address", "password1": "short", "password2": "other"},
        ),
        "password reset": visitor.get(reverse("account_reset_password")),
        "password reset sent": visitor.get(reverse("account_reset_password_done")),
        "confirmation sent": visitor.get(reverse("account_email_verification_sent")),
        "confirm email, bad link": visitor.get(reverse("account_confirm_email", args=["bad-key"])),
        "password reset, bad link": visitor.get(
            reverse("account_reset_password_from_key", args=["x", "bad-key"])
        ),
    }
    user = User.objects.create_user("rep", "rep@beta.example", "a long Passphrase 42")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    provider = Provider.objects.get(slug="beta-biologics")
    ProviderMembership.objects.create(user=user, provider=provider)
    Correction.objects.create(
        provider=provider,
        proposed_by=user,
        changes={"summary": ["Old.", "New."]},
        services_note="A note.",
    )
    search = SavedSearch.objects.create(user=user, name="CDMOs", query="type=cdmo")
    member = Client()
    member.force_login(user)
    member.post("/providers/delta-oligo/shortlist/", {"action": "add", "next": "/"})
    member.post(reverse("accounts:watch", args=["alpha-discovery"]), {"action": "watch"})
    token = unsubscribe_token(user.pk)
    pages.update(
        {
            "account": member.get(reverse("accounts:overview")),
            "saved searches": member.get(reverse("accounts:saved-searches")),
            "save a search": member.get(reverse("accounts:save-search") + "?query=type=cmo"),
            "alerts": member.get(reverse("accounts:alerts")),
            "unsubscribe": member.get(reverse("accounts:unsubscribe", args=[token])),
            "claim a profile": member.get(reverse("accounts:claim", args=["alpha-discovery"])),
            "representative's page": member.get(
                reverse("accounts:represent", args=[provider.slug])
            ),
            "representative's page, errors": member.post(
                reverse("accounts:represent", args=[provider.slug]),
                {"summary": "", "website": "nonsense", "hq_country": "XX"},
            ),
            "directory, signed in": member.get("/providers/?type=cdmo"),
            "shortlist, signed in": member.get("/shortlist/"),
            "provider page, signed in and watching": member.get("/providers/alpha-discovery/"),
            "provider page, signed in": member.get("/providers/gamma-manufacturing/"),
            "change password": member.get(reverse("account_change_password")),
            "email addresses": member.get(reverse("account_email")),
            "sign out": member.get(reverse("account_logout")),
            "unsubscribed": member.post(reverse("accounts:unsubscribe", args=[token])),
        }
    )
    assert search.pk
    for name, response in pages.items():
        assert response.status_code in (200, 400), f"{name} answered {response.status_code}"
    documents = {name: response.content.decode() for name, response in pages.items()}
    documents["sign-in lockout page"] = account_lockout_page()
    return documents


def account_lockout_page() -> str:
    from django.test import Client

    visitor = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = visitor.post(
            reverse("account_login"), {"login": "rep@beta.example", "password": "wrong"}
        )
    assert response.status_code == 429, "the sign-in lockout page was not reached"
    return response.content.decode()


def error_pages() -> dict[str, str]:
    """The error pages, rendered by the handlers the app uses (config/errors.py, outage)."""
    from config import errors, outage

    request = RequestFactory().get("/missing/")
    responses = {
        "error page 400": errors.bad_request(request),
        "error page 403": errors.permission_denied(request),
        "error page 403 (form expired)": errors.csrf_failure(request),
        "error page 404": errors.page_not_found(request),
        "error page 500": errors.server_error(request),
        "error page 503 (database down)": outage.unavailable_response(),
    }
    return {name: response.content.decode() for name, response in responses.items()}


def test_every_page_type_is_valid_html(client, directory, tmp_path):
    from tests.factories import add_regulator_records

    add_regulator_records(directory["gamma"])
    htmx = {"HX-Request": "true"}
    buyer = {
        "home": client.get("/"),
        "directory": client.get("/providers/"),
        "directory, filtered with notices": client.get(
            "/providers/?type=cmo&type=nonsense&stage=delivery&q=oral&page=1"
        ),
        "directory, nothing found": client.get("/providers/?q=zzzzqqq"),
        "provider page": client.get("/providers/beta-biologics/"),
        "provider page with identities, inspections and their evidence": client.get(
            "/providers/gamma-manufacturing/"
        ),
        "lifecycle explorer": client.get("/lifecycle/"),
        "compare": client.get("/compare/?p=beta-biologics&p=delta-oligo&p=alpha-discovery"),
        "compare, too few": client.get("/compare/?p=beta-biologics"),
        "API reference": client.get("/api/v1/docs"),
        "API problem types": client.get("/api/v1/problems"),
    }
    client.post("/providers/beta-biologics/shortlist/", {"action": "add", "next": "/shortlist/"})
    buyer["shortlist"] = client.get("/shortlist/")
    fragments = {
        "directory fragment": client.get("/providers/?type=cdmo", headers=htmx),
        "directory fragment, nothing found": client.get("/providers/?q=zzzzqqq", headers=htmx),
        "shortlist button fragment": client.post(
            "/providers/delta-oligo/shortlist/",
            {"action": "add", "next": "/providers/"},
            headers=htmx,
        ),
    }
    for name, response in {**buyer, **fragments}.items():
        assert response.status_code == 200, f"{name} answered {response.status_code}"

    documents = {name: response.content.decode() for name, response in buyer.items()}
    documents.update(
        {name: fragment_document(response.content.decode()) for name, response in fragments.items()}
    )
    documents.update(curator_pages(client))
    documents.update(rfi_pages(client))
    documents["lockout page"] = lockout_page(client)
    documents.update(account_pages(client))
    documents.update(error_pages())

    names: dict[str, str] = {}
    files = []
    for number, (name, text) in enumerate(documents.items()):
        path = tmp_path / f"page-{number}.html"
        path.write_text(text, encoding="utf-8")
        names[str(path)] = name
        files.append(path)
    messages = run_checker(files)
    assert messages == [], "Invalid HTML:\n" + describe(messages, names)
