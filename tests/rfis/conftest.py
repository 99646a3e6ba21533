"""Parties of a request: a buyer, another buyer, the users of two providers, a stranger;
and the files they upload."""

import datetime
import io
import zipfile

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from providers.accounts.models import ProviderMembership
from providers.rfis.models import Event, InformationRequest, Recipient
from providers.spreadsheets import write_xlsx
from tests.directory.test_browser import browser  # noqa: F401  (the browser tests' Chromium)
from tests.factories import make_provider

PASSWORD = "pw-rfis-123"


def make_user(name: str) -> User:
    return User.objects.create_user(name, email=f"{name}@example.com", password=PASSWORD)


@pytest.fixture
def parties(db):
    acme = make_provider("Acme Biologics", slug="acme-biologics", types=("cdmo",))
    bolt = make_provider("Bolt Chemistry", slug="bolt-chemistry", types=("cro",))
    cobalt = make_provider("Cobalt Fill", slug="cobalt-fill", types=("cmo",))
    buyer = make_user("buyer")
    other_buyer = make_user("otherbuyer")
    acme_rep = make_user("acmerep")
    acme_rep2 = make_user("acmerep2")
    bolt_rep = make_user("boltrep")
    stranger = make_user("stranger")
    for user, provider in ((acme_rep, acme), (acme_rep2, acme), (bolt_rep, bolt)):
        ProviderMembership.objects.create(user=user, provider=provider)
    return {
        "acme": acme,
        "bolt": bolt,
        "cobalt": cobalt,
        "buyer": buyer,
        "other_buyer": other_buyer,
        "acme_rep": acme_rep,
        "acme_rep2": acme_rep2,
        "bolt_rep": bolt_rep,
        "stranger": stranger,
    }


def make_request(buyer, providers, *, sent=True, questions=("Can you ship to Japan?",), **fields):
    fields.setdefault("deadline", timezone.now().date() + datetime.timedelta(days=14))
    rfi = InformationRequest.objects.create(
        buyer=buyer,
        title=fields.pop("title", "mAb Phase I supply"),
        summary=fields.pop("summary", "Drug substance for a Phase I trial."),
        questions=list(questions),
        **fields,
    )
    for provider in providers:
        Recipient.objects.create(request=rfi, provider=provider)
    Event.objects.create(request=rfi, kind=Event.Kind.CREATED, actor=buyer)
    if sent:
        rfi.status = InformationRequest.Status.SENT
        rfi.sent_at = timezone.now()
        rfi.save()
    return rfi


@pytest.fixture
def sent_request(parties):
    return make_request(parties["buyer"], [parties["acme"], parties["bolt"]])


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def office_bytes(main_type: str, extra: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{main_type}"/>'
            "</Types>",
        )
        archive.writestr("word/document.xml", "<document/>")
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def docx_bytes() -> bytes:
    return office_bytes(DOCX_MAIN)


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, "Sheet", ["Batch", "Size"], [["1", "5 kg"]])
    return buffer.getvalue()
