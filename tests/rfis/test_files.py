"""Attachments: PDF, DOCX and XLSX only, by content; 20 MB at most; stored privately;
downloaded as attachments; removable only while what they belong to can change."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from providers.rfis.models import Attachment
from tests.rfis.conftest import (
    DOCM_MAIN,
    docx_bytes,
    make_request,
    office_bytes,
    pdf_bytes,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


def upload(client, path, name, content):
    return client.post(path, {"file": SimpleUploadedFile(name, content)}, follow=True)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("spec.pdf", pdf_bytes(), "pdf"),
        ("plan.docx", docx_bytes(), "docx"),
        ("batches.XLSX", xlsx_bytes(), "xlsx"),
    ],
)
def test_the_buyer_attaches_pdf_docx_and_xlsx_to_a_draft(client, parties, name, content, kind):
    rfi = make_request(parties["buyer"], [parties["acme"]], sent=False)
    client.force_login(parties["buyer"])
    response = upload(client, f"/requests/{rfi.pk}/files/", name, content)
    assert f"“{name}” added." in response.content.decode()
    attachment = Attachment.objects.get()
    assert attachment.kind == kind and attachment.size == len(content)
    assert attachment.name == name and attachment.recipient is None
    # A private key, not the uploaded name, never under the static files.
    assert attachment.file.name.startswith(f"private/rfis/{rfi.pk}/")
    assert name not in attachment.file.name
    download = client.get(f"/files/{attachment.pk}/")
    assert download["Content-Disposition"] == f'attachment; filename="{name}"'
    assert b"".join(download.streaming_content) == content


ZIP_WITHOUT_TYPES = b"PK\x03\x04" + b"\x00" * 60


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.pdf", b"MZ\x90\x00 a Windows program", "is not a PDF, DOCX or XLSX file"),
        ("notes.txt", b"plain text", "is not a PDF, DOCX or XLSX file"),
        ("macro.docx", office_bytes(DOCM_MAIN), "not a Word document or an Excel workbook"),
        ("broken.docx", ZIP_WITHOUT_TYPES, "not a Word document or an Excel workbook"),
        (
            "types.docx",
            office_bytes("application/vnd.oasis.opendocument.text"),
            "not a Word document or an Excel workbook",
        ),
        ("spec.docx", pdf_bytes(), "is a PDF file by its content; give it the .pdf ending"),
        ("sheet.docx", xlsx_bytes(), "is a XLSX file by its content"),
        ("empty.pdf", b"", "The submitted file is empty."),
    ],
)
def test_anything_else_is_refused_by_its_content(client, parties, name, content, message):
    rfi = make_request(parties["buyer"], [parties["acme"]], sent=False)
    client.force_login(parties["buyer"])
    response = upload(client, f"/requests/{rfi.pk}/files/", name, content)
    assert message in response.content.decode()
    assert Attachment.objects.count() == 0


def test_a_doctype_in_the_content_types_is_refused(client, parties):
    rfi = make_request(parties["buyer"], [parties["acme"]], sent=False)
    client.force_login(parties["buyer"])
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaa">]><Types/>',
        )
    response = upload(client, f"/requests/{rfi.pk}/files/", "bomb.docx", buffer.getvalue())
    assert "not a Word document" in response.content.decode()
    assert Attachment.objects.count() == 0


@override_settings(RFI_MAX_ATTACHMENT_BYTES=1024)
def test_files_over_the_limit_are_refused_with_the_sizes(client, parties):
    rfi = make_request(parties["buyer"], [parties["acme"]], sent=False)
    client.force_login(parties["buyer"])
    big = pdf_bytes() + b"0" * 2048
    response = upload(client, f"/requests/{rfi.pk}/files/", "big.pdf", big)
    assert "files may be up to 1 KB" in response.content.decode()
    assert Attachment.objects.count() == 0


def test_the_default_limit_is_twenty_megabytes(settings):
    assert settings.RFI_MAX_ATTACHMENT_BYTES == 20 * 1024 * 1024


@override_settings(RFI_MAX_ATTACHMENTS=2)
def test_the_number_of_files_is_limited(client, parties):
    rfi = make_request(parties["buyer"], [parties["acme"]], sent=False)
    client.force_login(parties["buyer"])
    for number in range(3):
        response = upload(client, f"/requests/{rfi.pk}/files/", f"f{number}.pdf", pdf_bytes())
    assert "Up to 2 files" in response.content.decode()
    assert Attachment.objects.count() == 2


def test_a_sent_request_takes_no_more_files_and_keeps_its_own(client, parties, sent_request):
    client.force_login(parties["buyer"])
    response = upload(client, f"/requests/{sent_request.pk}/files/", "late.pdf", pdf_bytes())
    assert "Files can be added to a draft only." in response.content.decode()
    kept = Attachment.objects.create(
        request=sent_request,
        file=SimpleUploadedFile("spec.pdf", pdf_bytes()),
        name="spec.pdf",
        kind="pdf",
        size=10,
    )
    response = client.post(f"/files/{kept.pk}/remove/", follow=True)
    assert "it stays" in response.content.decode()
    assert Attachment.objects.filter(pk=kept.pk).exists()


def test_the_provider_attaches_files_to_its_answer(client, parties, sent_request):
    item = sent_request.recipients.get(provider=parties["acme"])
    client.force_login(parties["acme_rep"])
    response = upload(client, f"/inbox/{item.pk}/files/", "quote.xlsx", xlsx_bytes())
    assert "“quote.xlsx” added." in response.content.decode()
    attachment = Attachment.objects.get()
    assert attachment.recipient == item and attachment.uploaded_by == parties["acme_rep"]
    # Removable while the answer is open...
    client.post(f"/files/{attachment.pk}/remove/")
    assert not Attachment.objects.exists()
    # ...and not once it is submitted.
    upload(client, f"/inbox/{item.pk}/files/", "quote.xlsx", xlsx_bytes())
    attachment = Attachment.objects.get()
    client.post(
        f"/inbox/{item.pk}/",
        {
            "capacity": "a",
            "modality_experience": "b",
            "inspections": "c",
            "price_range": "d",
            "risks": "e",
            "q1": "f",
            "action": "submit",
        },
    )
    response = client.post(f"/files/{attachment.pk}/remove/", follow=True)
    assert "it stays" in response.content.decode()
    response = upload(client, f"/inbox/{item.pk}/files/", "more.pdf", pdf_bytes())
    assert "while the answer is open only" in response.content.decode()
    # The buyer now sees it on the comparison and can download it.
    client.force_login(parties["buyer"])
    page = client.get(f"/requests/{sent_request.pk}/compare/").content.decode()
    assert f"/files/{attachment.pk}/" in page
    assert client.get(f"/files/{attachment.pk}/").status_code == 200


def test_deleting_a_draft_deletes_its_stored_files(
    client, parties, django_capture_on_commit_callbacks
):
    rfi = make_request(parties["buyer"], [parties["acme"]], sent=False)
    client.force_login(parties["buyer"])
    upload(client, f"/requests/{rfi.pk}/files/", "spec.pdf", pdf_bytes())
    stored = Attachment.objects.get().file
    storage, name = stored.storage, stored.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/requests/{rfi.pk}/delete/")
    assert not storage.exists(name)
