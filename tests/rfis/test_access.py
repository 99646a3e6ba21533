"""Every access rule: a buyer sees only their own requests, a provider's users only those
addressed to their provider, curators the metadata in the admin and never answers;
another party's object is 404 (its existence is not revealed); every change needs CSRF."""

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from providers.rfis.models import Answer, Attachment, InformationRequest
from tests.rfis.conftest import make_request, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(parties, sent_request):
    acme = sent_request.recipients.get(provider=parties["acme"])
    bolt = sent_request.recipients.get(provider=parties["bolt"])
    Answer.objects.create(recipient=acme, capacity="SECRET-ACME-CAPACITY")
    draft = make_request(parties["buyer"], [parties["acme"]], sent=False, title="Still a draft")
    request_file = Attachment.objects.create(
        request=sent_request,
        file=SimpleUploadedFile("spec.pdf", pdf_bytes()),
        name="spec.pdf",
        kind="pdf",
        size=len(pdf_bytes()),
    )
    acme_file = Attachment.objects.create(
        request=sent_request,
        recipient=acme,
        file=SimpleUploadedFile("acme.pdf", pdf_bytes()),
        name="acme.pdf",
        kind="pdf",
        size=len(pdf_bytes()),
    )
    draft_file = Attachment.objects.create(
        request=draft,
        file=SimpleUploadedFile("draft.pdf", pdf_bytes()),
        name="draft.pdf",
        kind="pdf",
        size=len(pdf_bytes()),
    )
    return {
        **parties,
        "rfi": sent_request,
        "draft": draft,
        "acme_item": acme,
        "bolt_item": bolt,
        "request_file": request_file,
        "acme_file": acme_file,
        "draft_file": draft_file,
    }


BUYER_GETS = [
    "/requests/{rfi}/",
    "/requests/{rfi}/edit/",
    "/requests/{rfi}/compare/",
    "/requests/{rfi}/export.xlsx",
    "/requests/{draft}/",
    "/requests/{draft}/edit/",
]
BUYER_POSTS = [
    "/requests/{draft}/send/",
    "/requests/{draft}/delete/",
    "/requests/{draft}/files/",
    "/requests/{rfi}/providers/{acme_item}/decision/",
    "/files/{draft_file}/remove/",
]
PROVIDER_GETS = ["/inbox/{acme_item}/"]
PROVIDER_POSTS = [
    "/inbox/{acme_item}/",
    "/inbox/{acme_item}/decline/",
    "/inbox/{acme_item}/files/",
    "/files/{acme_file}/remove/",
]


def url(template: str, world) -> str:
    return template.format(
        **{
            key: world[key].pk
            for key in ("rfi", "draft", "acme_item", "bolt_item", "acme_file", "draft_file")
        }
    )


@pytest.mark.parametrize("who", ["other_buyer", "stranger", "acme_rep", "bolt_rep"])
@pytest.mark.parametrize("path", BUYER_GETS)
def test_another_buyers_request_is_not_found(client, world, who, path):
    client.force_login(world[who])
    assert client.get(url(path, world)).status_code == 404


@pytest.mark.parametrize("who", ["other_buyer", "stranger", "acme_rep", "bolt_rep"])
@pytest.mark.parametrize("path", BUYER_POSTS)
def test_another_buyers_request_cannot_be_changed(client, world, who, path):
    client.force_login(world[who])
    assert client.post(url(path, world), {"decision": "advancing"}).status_code == 404
    world["draft"].refresh_from_db()
    assert world["draft"].status == "draft"
    assert world["acme_item"].__class__.objects.get(pk=world["acme_item"].pk).decision == ""
    assert Attachment.objects.filter(pk=world["draft_file"].pk).exists()


@pytest.mark.parametrize("who", ["buyer", "other_buyer", "stranger", "bolt_rep"])
@pytest.mark.parametrize("path", PROVIDER_GETS + PROVIDER_POSTS)
def test_only_the_addressed_providers_users_reach_its_inbox_item(client, world, who, path):
    client.force_login(world[who])
    method = client.get if path in PROVIDER_GETS else client.post
    response = method(url(path, world), {"reason": "not-a-fit", "action": "submit"})
    assert response.status_code == 404
    item = world["acme_item"].__class__.objects.get(pk=world["acme_item"].pk)
    assert item.response == "awaiting" and item.opened_at is None
    assert Attachment.objects.filter(pk=world["acme_file"].pk).exists()


def test_a_draft_request_is_invisible_to_its_providers(client, world):
    item = world["draft"].recipients.get()
    client.force_login(world["acme_rep"])
    assert client.get(f"/inbox/{item.pk}/").status_code == 404
    assert client.get(f"/files/{world['draft_file'].pk}/").status_code == 404


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("buyer", {"request_file", "draft_file"}),  # not Acme's until it is submitted
        ("acme_rep", {"request_file", "acme_file"}),
        ("acme_rep2", {"request_file", "acme_file"}),
        ("bolt_rep", {"request_file"}),  # never another provider's answer
        ("other_buyer", set()),
        ("stranger", set()),
    ],
)
def test_files_reach_only_the_parties(client, world, who, allowed):
    client.force_login(world[who])
    for name in ("request_file", "acme_file", "draft_file"):
        response = client.get(f"/files/{world[name].pk}/")
        assert response.status_code == (200 if name in allowed else 404), (who, name)
        if response.status_code == 200:
            assert response["Content-Disposition"].startswith("attachment;")
            assert response["Content-Type"] == "application/pdf"
            assert response["X-Content-Type-Options"] == "nosniff"


def test_the_buyer_gets_an_answers_files_once_it_is_submitted(client, world):
    answer = world["acme_item"].answer
    answer.submitted_at = world["rfi"].sent_at
    answer.save()
    client.force_login(world["buyer"])
    assert client.get(f"/files/{world['acme_file'].pk}/").status_code == 200


def test_other_parties_see_no_trace_of_the_answer(client, world):
    for who in ("buyer", "bolt_rep", "other_buyer"):
        client.force_login(world[who])
        for path in ("/requests/", "/inbox/", f"/requests/{world['rfi'].pk}/compare/"):
            assert "SECRET-ACME-CAPACITY" not in client.get(path).content.decode()


@pytest.mark.parametrize(
    "path", ["/requests/", "/requests/new/", "/inbox/", "/requests/{rfi}/", "/files/{acme_file}/"]
)
def test_anonymous_visitors_are_sent_to_sign_in(client, world, path):
    response = client.get(url(path, world))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("who", "path", "data"),
    [
        ("buyer", "/requests/new/", {"title": "x"}),
        ("buyer", "/requests/{draft}/send/", {}),
        ("buyer", "/requests/{draft}/delete/", {}),
        ("buyer", "/requests/{rfi}/providers/{acme_item}/decision/", {"decision": "advancing"}),
        ("acme_rep", "/inbox/{acme_item}/", {"capacity": "x", "action": "draft"}),
        ("acme_rep", "/inbox/{acme_item}/decline/", {"reason": "not-a-fit"}),
        ("acme_rep", "/files/{acme_file}/remove/", {}),
    ],
)
def test_every_change_needs_the_csrf_token(world, who, path, data):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world[who])
    assert strict.post(url(path, world), data).status_code == 403
    world["draft"].refresh_from_db()
    assert world["draft"].status == "draft"
    item = world["acme_item"].__class__.objects.get(pk=world["acme_item"].pk)
    assert item.response == "awaiting" and item.decision == ""
    assert Attachment.objects.filter(pk=world["acme_file"].pk).exists()
    assert InformationRequest.objects.count() == 2


def test_curators_see_metadata_in_the_admin_but_never_answers(client, world, curator):
    page = client.get("/admin/rfis/informationrequest/").content.decode()
    assert "mAb Phase I supply" in page and "Still a draft" in page
    detail = client.get(f"/admin/rfis/informationrequest/{world['rfi'].pk}/change/")
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "Acme Biologics" in text and "Bolt Chemistry" in text  # recipients and states
    assert "Created" in text  # the audit trail
    assert "SECRET-ACME-CAPACITY" not in text
    assert "Drug substance for a Phase I trial." not in text  # the request's details
    assert "spec.pdf" not in text and "acme.pdf" not in text
    # No admin page reaches answers or files, and nothing can be changed.
    assert client.get("/admin/rfis/answer/").status_code == 404
    assert client.get("/admin/rfis/attachment/").status_code == 404
    assert client.get("/admin/rfis/informationrequest/add/").status_code == 403
    response = client.post(
        f"/admin/rfis/informationrequest/{world['rfi'].pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert InformationRequest.objects.filter(pk=world["rfi"].pk).exists()


def test_people_who_are_not_staff_get_no_admin(client, world):
    client.force_login(world["buyer"])
    response = client.get("/admin/rfis/informationrequest/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not User.objects.get(pk=world["buyer"].pk).is_staff
