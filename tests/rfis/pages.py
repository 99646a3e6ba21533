"""Every page of requests for information in each of its states, rendered for the HTML check
(tests/platform/test_html_valid.py)."""

import datetime

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from providers.accounts.models import ProviderMembership
from providers.models import Provider
from providers.rfis.models import InformationRequest


def rfi_pages(client) -> dict[str, str]:
    """Needs published providers ``beta-biologics`` and ``delta-oligo`` (the ``directory``
    fixture). Signs in and out on ``client``."""
    beta = Provider.objects.get(slug="beta-biologics")
    delta = Provider.objects.get(slug="delta-oligo")
    buyer = User.objects.create_user("html-buyer", email="html-buyer@example.com")
    beta_rep = User.objects.create_user("html-beta", email="html-beta@example.com")
    delta_rep = User.objects.create_user("html-delta", email="html-delta@example.com")
    ProviderMembership.objects.create(user=beta_rep, provider=beta)
    ProviderMembership.objects.create(user=delta_rep, provider=delta)
    pages = {}

    client.force_login(buyer)
    pages["requests, none yet"] = client.get("/requests/")
    pages["request form, empty shortlist"] = client.get("/requests/new/")
    for provider in (beta, delta):
        client.post(f"/providers/{provider.slug}/shortlist/", {"action": "add", "next": "/"})
    pages["request form"] = client.get("/requests/new/")
    pages["request form with errors"] = client.post(
        "/requests/new/", {"title": "", "deadline": "2001-01-01", "questions_text": "x" * 400}
    )
    deadline = timezone.now().date() + datetime.timedelta(days=10)
    client.post(
        "/requests/new/",
        {
            "providers": [beta.pk, delta.pk],
            "title": "Antibody <supply> & fill",
            "summary": "Line one.\nLine two.",
            "modality": "",
            "phase": "3",
            "target_regions": ["europe"],
            "regulators": ["fda"],
            "highly_potent": "on",
            "questions_text": "Can you ship to Japan?",
            "deadline": deadline.isoformat(),
        },
    )
    rfi = InformationRequest.objects.get(buyer=buyer)
    client.post(
        f"/requests/{rfi.pk}/files/",
        {"file": SimpleUploadedFile("spec.pdf", b"%PDF-1.4\n%%EOF\n")},
    )
    pages["request, draft"] = client.get(f"/requests/{rfi.pk}/")
    pages["request form, editing"] = client.get(f"/requests/{rfi.pk}/edit/")
    client.post(f"/requests/{rfi.pk}/send/")
    beta_item = rfi.recipients.get(provider=beta)
    delta_item = rfi.recipients.get(provider=delta)

    client.force_login(beta_rep)
    pages["inbox"] = client.get("/inbox/")
    pages["answer form"] = client.get(f"/inbox/{beta_item.pk}/")
    pages["answer form with errors"] = client.post(
        f"/inbox/{beta_item.pk}/", {"capacity": "Soon", "action": "submit"}
    )
    client.post(
        f"/inbox/{beta_item.pk}/",
        {
            "capacity": "A line from May",
            "modality_experience": "Many",
            "inspections": "FDA 2025",
            "price_range": "EUR 1M",
            "risks": "None <known>",
            "q1": "Yes",
            "action": "submit",
        },
    )
    pages["answer, submitted"] = client.get(f"/inbox/{beta_item.pk}/")
    client.force_login(delta_rep)
    client.post(f"/inbox/{delta_item.pk}/decline/", {"reason": "other", "text": "Too small"})
    pages["answer, declined"] = client.get(f"/inbox/{delta_item.pk}/")

    client.force_login(buyer)
    pages["requests"] = client.get("/requests/")
    pages["request, sent"] = client.get(f"/requests/{rfi.pk}/")
    pages["answers compared"] = client.get(f"/requests/{rfi.pk}/compare/")
    client.force_login(User.objects.create_user("html-curator", is_staff=True))
    pages["admin requests list"] = client.get("/admin/rfis/informationrequest/")
    pages["admin request"] = client.get(f"/admin/rfis/informationrequest/{rfi.pk}/change/")
    client.logout()
    for name, response in pages.items():
        assert response.status_code == 200, f"{name} answered {response.status_code}"
    return {name: response.content.decode() for name, response in pages.items()}
