"""The reminder before the deadline: scheduled with the task's run_after when a request is
sent, sent only to providers still awaiting an answer, once, and recorded."""

import datetime

import pytest
from django.tasks import default_task_backend
from django.test import override_settings
from django.utils import timezone

from providers.mail.models import OutboundMessage
from providers.rfis import flow
from providers.rfis.models import Event, InformationRequest
from providers.rfis.tasks import remind
from tests.rfis.conftest import make_request

pytestmark = pytest.mark.django_db

DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def reminders_enqueued():
    return [result for result in default_task_backend.results if result.task.func is remind.func]


@override_settings(TASKS=DUMMY, RFI_REMIND_HOURS_BEFORE=48)
def test_sending_schedules_a_reminder_two_days_before_the_deadline_closes(
    parties, django_capture_on_commit_callbacks
):
    default_task_backend.clear()
    deadline = timezone.now().date() + datetime.timedelta(days=10)
    rfi = make_request(parties["buyer"], [parties["acme"]], sent=False, deadline=deadline)
    with django_capture_on_commit_callbacks(execute=True):
        flow.send(rfi.pk, parties["buyer"], "https://directory.example")
    [result] = reminders_enqueued()
    closes = datetime.datetime.combine(
        deadline + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC
    )
    assert result.task.run_after == closes - datetime.timedelta(hours=48)
    assert result.args == [rfi.pk, "https://directory.example"]


@override_settings(TASKS=DUMMY, RFI_REMIND_HOURS_BEFORE=48)
def test_no_reminder_for_a_request_sent_close_to_its_deadline(
    parties, django_capture_on_commit_callbacks
):
    default_task_backend.clear()
    tomorrow = timezone.now().date() + datetime.timedelta(days=1)
    rfi = make_request(parties["buyer"], [parties["acme"]], sent=False, deadline=tomorrow)
    with django_capture_on_commit_callbacks(execute=True):
        flow.send(rfi.pk, parties["buyer"], "https://directory.example")
    assert reminders_enqueued() == []


def test_a_backend_that_cannot_defer_sends_the_request_without_a_reminder(
    parties, django_capture_on_commit_callbacks, caplog
):
    # Tests run tasks at once (the immediate backend), which cannot run them later.
    rfi = make_request(parties["buyer"], [parties["acme"]], sent=False)
    with django_capture_on_commit_callbacks(execute=True):
        flow.send(rfi.pk, parties["buyer"], "https://directory.example")
    rfi.refresh_from_db()
    assert rfi.status == "sent"
    assert f"no reminder for RFI {rfi.pk}" in caplog.text
    assert not Event.objects.filter(kind="reminded").exists()


def test_the_reminder_goes_to_providers_still_awaiting_and_only_once(parties, sent_request):
    bolt = sent_request.recipients.get(provider=parties["bolt"])
    bolt.response, bolt.responded_at, bolt.decline_reason = "declined", timezone.now(), "other"
    bolt.save()
    assert remind.call(sent_request.pk, "https://directory.example") == 1
    mails = OutboundMessage.objects.filter(reason="rfi_reminder")
    assert sorted(address for mail in mails for address in mail.to) == [
        "acmerep2@example.com",
        "acmerep@example.com",
    ]
    acme = sent_request.recipients.get(provider=parties["acme"])
    assert acme.reminded_at is not None
    assert f"https://directory.example/inbox/{acme.pk}/" in mails[0].text
    event = Event.objects.get(request=sent_request, kind="reminded")
    assert event.recipient == acme and event.note == "2 people emailed"
    # A second run (a retry) reminds nobody again.
    assert remind.call(sent_request.pk, "https://directory.example") == 0
    assert mails.count() == 2


def test_no_reminder_after_the_deadline_or_for_a_draft(parties, sent_request):
    yesterday = timezone.now().date() - datetime.timedelta(days=1)
    InformationRequest.objects.filter(pk=sent_request.pk).update(deadline=yesterday)
    assert remind.call(sent_request.pk, "https://directory.example") == 0
    draft = make_request(parties["buyer"], [parties["acme"]], sent=False)
    assert remind.call(draft.pk, "https://directory.example") == 0
    assert not OutboundMessage.objects.exists()


def test_the_reminder_is_shown_in_the_audit_trail(client, parties, sent_request):
    remind.call(sent_request.pk, "https://directory.example")
    client.force_login(parties["buyer"])
    page = client.get(f"/requests/{sent_request.pk}/").content.decode()
    assert "Reminded: Acme Biologics (2 people emailed)" in page
    assert "Reminded: Bolt Chemistry (1 person emailed)" in page
