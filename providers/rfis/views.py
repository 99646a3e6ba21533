"""Pages of requests for information: the buyer's (write, send, follow, compare, decide)
and the provider's (inbox, answer, decline). Every object is looked up through
``providers.rfis.access``, so another party's object answers 404."""

import datetime
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from providers.directory import shortlist
from providers.models import Provider
from providers.rfis import access, comparing, files, flow
from providers.rfis.forms import AnswerForm, DecisionForm, DeclineForm, RequestForm, UploadForm
from providers.rfis.models import (
    MAX_RECIPIENTS,
    Answer,
    Attachment,
    Event,
    InformationRequest,
    Recipient,
)
from providers.spreadsheets import XLSX_CONTENT_TYPE, write_xlsx


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _shortlisted(request) -> list[Provider]:
    wanted = shortlist.ids(request)
    found = {p.pk: p for p in Provider.objects.published().filter(pk__in=wanted)}
    return [found[pk] for pk in wanted if pk in found]


# --- The buyer -------------------------------------------------------------------------


@login_required
@require_safe
def request_list(request):
    rfis = (
        access.buyer_requests(request.user).prefetch_related("recipients").order_by("-created_at")
    )
    return render(
        request,
        "rfis/list.html",
        {"rfis": rfis, "inbox_count": access.inbox(request.user).count()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    shortlisted = _shortlisted(request)
    if request.method == "POST":
        form = RequestForm(request.POST, shortlisted=shortlisted)
        if form.is_valid():
            with transaction.atomic():
                form.instance.buyer = request.user
                rfi = form.save()
                flow.set_recipients(rfi, form.cleaned_data["providers"])
                flow.record(rfi, Event.Kind.CREATED, actor=request.user)
            messages.success(request, "Draft saved. Check it, add files if needed, then send it.")
            return redirect(rfi)
    else:
        form = RequestForm(
            shortlisted=shortlisted,
            initial={
                "providers": [p.pk for p in shortlisted[:MAX_RECIPIENTS]],
                "deadline": timezone.now().date() + datetime.timedelta(days=14),
            },
        )
    return render(
        request,
        "rfis/form.html",
        {"form": form, "shortlisted": shortlisted, "rfi": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    rfi = get_object_or_404(access.buyer_requests(request.user), pk=pk)
    if not rfi.is_draft:
        messages.error(request, "A sent request cannot be changed.")
        return redirect(rfi)
    shortlisted = _shortlisted(request)
    form = RequestForm(request.POST or None, instance=rfi, shortlisted=shortlisted)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            locked = InformationRequest.objects.select_for_update().get(pk=rfi.pk)
            if not locked.is_draft:
                messages.error(request, "This request was sent meanwhile; it cannot change.")
                return redirect(rfi)
            rfi = form.save()
            flow.set_recipients(rfi, form.cleaned_data["providers"])
        messages.success(request, "Draft saved.")
        return redirect(rfi)
    # The form has written what was typed onto its instance; the page names the saved draft.
    saved = InformationRequest.objects.get(pk=rfi.pk)
    return render(
        request, "rfis/form.html", {"form": form, "shortlisted": shortlisted, "rfi": saved}
    )


@login_required
@require_safe
def detail(request, pk: int):
    rfi = get_object_or_404(
        access.buyer_requests(request.user).select_related("modality", "dosage_form", "phase"),
        pk=pk,
    )
    recipients = list(rfi.recipients.select_related("provider", "answer"))
    left, free_at = flow.sends_left(request.user)
    return render(
        request,
        "rfis/detail.html",
        {
            "rfi": rfi,
            "recipients": recipients,
            "attachments": rfi.attachments.filter(recipient__isnull=True),
            "events": rfi.events.select_related("recipient__provider"),
            "upload_form": UploadForm() if rfi.is_draft else None,
            "sends_left": left,
            "free_at": free_at,
            "answered": sum(r.response == Recipient.Response.ANSWERED for r in recipients),
        },
    )


@login_required
@require_POST
def send(request, pk: int):
    rfi = get_object_or_404(access.buyer_requests(request.user), pk=pk)
    try:
        flow.send(rfi.pk, request.user, _base_url(request))
    except flow.Refused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Sent. The providers' representatives have been told by email.")
    return redirect(rfi)


@login_required
@require_POST
def delete(request, pk: int):
    rfi = get_object_or_404(access.buyer_requests(request.user), pk=pk)
    if not rfi.is_draft:
        messages.error(request, "A sent request stays on record; it cannot be deleted.")
        return redirect(rfi)
    stored = [a.file.name for a in rfi.attachments.all()]
    rfi.delete()
    for name in stored:
        transaction.on_commit(lambda name=name: Attachment.file.field.storage.delete(name))
    messages.success(request, f"Draft “{rfi.title}” deleted.")
    return redirect("rfis:list")


@login_required
@require_safe
def compare(request, pk: int):
    rfi = get_object_or_404(access.buyer_requests(request.user), pk=pk)
    if rfi.is_draft:
        raise Http404("A draft has no answers.")
    recipients = comparing.recipients(rfi)
    return render(
        request,
        "rfis/compare.html",
        {
            "rfi": rfi,
            "recipients": recipients,
            "table": comparing.table(rfi, recipients),
            "decisions": Recipient.Decision.choices,
        },
    )


@login_required
@require_safe
def export(request, pk: int):
    rfi = get_object_or_404(access.buyer_requests(request.user), pk=pk)
    if rfi.is_draft:
        raise Http404("A draft has no answers.")
    header, rows, widths = comparing.export_rows(rfi, comparing.recipients(rfi))
    buffer = io.BytesIO()
    write_xlsx(buffer, "Answers", header, rows, widths)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="rfi-{rfi.pk}-answers.xlsx"'
    return response


@login_required
@require_POST
def decide(request, pk: int, recipient: int):
    rfi = get_object_or_404(access.buyer_requests(request.user), pk=pk)
    item = get_object_or_404(rfi.recipients.select_related("request", "provider"), pk=recipient)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose advancing, declined or not decided.")
    else:
        try:
            flow.decide(item, form.cleaned_data["decision"], request.user)
        except flow.Refused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request, f"{item.provider.name}: {item.get_decision_display().lower()}."
            )
    return redirect(reverse("rfis:compare", args=[rfi.pk]) + f"#provider-{item.pk}")


@login_required
@require_POST
def upload_request_file(request, pk: int):
    rfi = get_object_or_404(access.buyer_requests(request.user), pk=pk)
    if not rfi.is_draft:
        messages.error(request, "Files can be added to a draft only.")
        return redirect(rfi)
    _store(request, rfi, None)
    return redirect(rfi)


# --- Files -------------------------------------------------------------------------------


def _store(request, rfi, recipient) -> Attachment | None:
    form = UploadForm(request.POST, request.FILES)
    existing = Attachment.objects.filter(request=rfi, recipient=recipient).count()
    if existing >= settings.RFI_MAX_ATTACHMENTS:
        messages.error(request, f"Up to {settings.RFI_MAX_ATTACHMENTS} files; remove one first.")
        return None
    if not form.is_valid():
        for error in form.errors.get("file", ["Choose a file."]):
            messages.error(request, error)
        return None
    upload = form.cleaned_data["file"]
    attachment = Attachment(
        request=rfi,
        recipient=recipient,
        name=upload.name[-200:],
        kind=form.kind,
        size=upload.size,
        uploaded_by=request.user,
    )
    attachment.file.save(upload.name, upload, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    messages.success(request, f"“{attachment.name}” added.")
    return attachment


@login_required
@require_safe
def download(request, pk: int):
    attachment = get_object_or_404(access.attachments(request.user), pk=pk)
    return files.download(attachment)


@login_required
@require_POST
def remove_file(request, pk: int):
    """The buyer removes a draft's file; a provider's user removes their unsent answer's."""
    attachment = get_object_or_404(
        access.attachments(request.user).select_related("request", "recipient"), pk=pk
    )
    rfi = attachment.request
    if attachment.recipient_id is None:
        allowed = rfi.buyer_id == request.user.pk and rfi.is_draft
        back = rfi.get_absolute_url()
    else:
        recipient = attachment.recipient
        allowed = (
            access.inbox(request.user).filter(pk=recipient.pk).exists()
            and recipient.response == Recipient.Response.AWAITING
        )
        back = recipient.get_absolute_url()
    if not allowed:
        messages.error(request, "This file is part of what was sent; it stays.")
        return redirect(back)
    name = attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: Attachment.file.field.storage.delete(name))
    messages.success(request, f"“{attachment.name}” removed.")
    return redirect(back)


# --- The provider's users --------------------------------------------------------------


@login_required
@require_safe
def inbox(request):
    items = access.inbox(request.user).order_by("-request__sent_at")
    return render(request, "rfis/inbox.html", {"items": items, "now": timezone.now()})


def _inbox_item(request, pk: int) -> Recipient:
    return get_object_or_404(
        access.inbox(request.user).select_related(
            "request__modality", "request__dosage_form", "request__phase"
        ),
        pk=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def inbox_item(request, pk: int):
    item = _inbox_item(request, pk)
    rfi = item.request
    answer = Answer.objects.filter(recipient=item).first() or Answer(recipient=item)
    form = AnswerForm(request.POST or None, instance=answer, questions=rfi.questions)
    if request.method == "POST":
        submit = request.POST.get("action") == "submit"
        if form.is_valid() and (not submit or form.check_complete()):
            try:
                flow.save_answer(
                    item.pk, form, request.user, submit=submit, base_url=_base_url(request)
                )
            except flow.Refused as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(
                    request,
                    "Answer submitted: the buyer can read it now."
                    if submit
                    else "Draft saved. Only your organisation sees it until you submit it.",
                )
            return redirect(item)
        messages.error(request, "The answer was not saved: see the messages by the questions.")
    else:
        flow.open_item(item, request.user)
    return render(
        request,
        "rfis/answer.html",
        {
            "item": item,
            "rfi": rfi,
            "answer": answer if answer.pk else None,
            "answer_rows": list(
                zip(comparing.questions(rfi), comparing.answer_cells(rfi, answer), strict=True)
            )
            if answer.pk
            else [],
            "form": form,
            "decline_form": DeclineForm(),
            "upload_form": UploadForm(),
            "request_files": rfi.attachments.filter(recipient__isnull=True),
            "answer_files": item.attachments.all(),
            "editable": item.response == Recipient.Response.AWAITING and rfi.is_open(),
        },
    )


@login_required
@require_POST
def decline(request, pk: int):
    item = _inbox_item(request, pk)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Not declined: {error}")
        return redirect(reverse("rfis:inbox-item", args=[item.pk]) + "#decline")
    try:
        flow.decline(
            item.pk,
            form.cleaned_data["reason"],
            form.cleaned_data["text"],
            request.user,
            base_url=_base_url(request),
        )
    except flow.Refused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Declined. The buyer has been told.")
    return redirect(item)


@login_required
@require_POST
def upload_answer_file(request, pk: int):
    item = _inbox_item(request, pk)
    if item.response != Recipient.Response.AWAITING or not item.request.is_open():
        messages.error(request, "Files can be added while the answer is open only.")
        return redirect(item)
    _store(request, item.request, item)
    return redirect(item)
