"""Attachments: what a file really is, decided from its content, and how it is served.

Only PDF, DOCX and XLSX files up to ``RFI_MAX_ATTACHMENT_BYTES`` are taken. A PDF starts
with ``%PDF-``; a DOCX or XLSX is a zip whose ``[Content_Types].xml`` declares the main
part of a Word document or an Excel workbook (macro-enabled variants declare other types
and are refused). The name the file was uploaded with must agree with what it is.
Files are kept in the default storage under a private, unguessable key (never under the
static files, never served by URL) and sent only through the download view, as an
attachment.
"""

import re
import zipfile
from xml.etree import ElementTree

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAIN_PARTS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
# [Content_Types].xml is a few kilobytes; more is not an Office file.
MAX_CONTENT_TYPES_BYTES = 256 * 1024
PACKAGE_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
ALLOWED = "PDF, DOCX or XLSX"


def max_bytes() -> int:
    return settings.RFI_MAX_ATTACHMENT_BYTES


def size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def detect_kind(upload) -> str:
    """``pdf``, ``docx`` or ``xlsx``, from the bytes; ValidationError otherwise."""
    name = upload.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if upload.size > max_bytes():
        raise ValidationError(
            f"“{name}” is {size_label(upload.size)}; files may be up to {size_label(max_bytes())}."
        )
    if upload.size == 0:
        raise ValidationError(f"“{name}” is empty.")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        kind = "pdf"
    elif head.startswith(b"PK\x03\x04"):
        kind = _office_kind(upload, name)
    else:
        raise ValidationError(f"“{name}” is not a {ALLOWED} file.")
    if extension != kind:
        raise ValidationError(
            f"“{name}” is a {kind.upper()} file by its content; give it the .{kind} ending."
        )
    return kind


def _office_kind(upload, name: str) -> str:
    refused = ValidationError(
        f"“{name}” is a zip file but not a Word document or an Excel workbook ({ALLOWED})."
    )
    try:
        with zipfile.ZipFile(upload) as archive:
            try:
                info = archive.getinfo("[Content_Types].xml")
            except KeyError:
                raise refused from None
            if info.file_size > MAX_CONTENT_TYPES_BYTES:
                raise refused
            with archive.open(info) as member:
                xml = member.read(MAX_CONTENT_TYPES_BYTES + 1)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        raise refused from None
    finally:
        upload.seek(0)
    if len(xml) > MAX_CONTENT_TYPES_BYTES or re.search(rb"<!(DOCTYPE|ENTITY)", xml, re.I):
        raise refused
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        raise refused from None
    declared = {
        element.get("ContentType", "")
        for element in root.iter()
        if element.tag in (PACKAGE_NS + "Override", PACKAGE_NS + "Default")
    }
    for kind, main in MAIN_PARTS.items():
        if main in declared:
            return kind
    raise refused


def download(attachment) -> FileResponse:
    """The file, always as a download, under the name it was uploaded with."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=CONTENT_TYPES[attachment.kind],
    )
    response["Cache-Control"] = "private, no-store"
    return response
