"""The outbox: every message is recorded in the caller's transaction, sent by a task after
the commit, retried with backoff, marked failed after the last attempt, retried from the
admin, and never lost (the sweep enqueues what no task covers)."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core import mail as django_mail
from django.db import IntegrityError, transaction
from django.tasks import TaskResultStatus, default_task_backend
from django.tasks.backends.immediate import ImmediateBackend
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from providers import mail
from providers.mail import outbox
from providers.mail.models import MessageStatus, OutboundMessage
from tests.platform.servers import database_url, run_worker

FAILING = "tests.mail.backends.FailingBackend"


@pytest.fixture
def failing_mail(settings):
    from tests.mail import backends

    settings.MAILERS = {"default": {"BACKEND": FAILING}}
    backends.FailingBackend.failures = 0
    return backends.FailingBackend


@pytest.mark.django_db
def test_a_message_is_recorded_and_sent_after_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = mail.send(
            ["buyer@example.com"],
            "Your request was answered",
            "Two providers answered.",
            html="<p>Two providers answered.</p>",
            reason="rfi_answered",
        )
        assert django_mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 1
    assert message.sent_at is not None and message.next_attempt_at is None
    [sent] = django_mail.outbox
    assert sent.to == ["buyer@example.com"] and sent.subject == "Your request was answered"
    assert sent.body == "Two providers answered."
    assert sent.alternatives[0].content == "<p>Two providers answered.</p>"
    assert sent.extra_headers["X-Directory-Message"] == str(message.pk)


@pytest.mark.django_db
def test_a_rolled_back_write_sends_nothing_and_records_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        mail.send(["buyer@example.com"], "Subject", "Body")
        raise RuntimeError("the caller's write fails")
    assert not OutboundMessage.objects.exists()
    assert django_mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("to", "subject", "text", "said"),
    [
        ([], "Subject", "Body", "at least one recipient"),
        ("buyer@example.com", "Subject", "Body", "a list of addresses"),
        (["not-an-address"], "Subject", "Body", "Not an email address"),
        (["buyer@example.com"], "", "Body", "needs a subject"),
        (["buyer@example.com"], "Bcc: x@example.com\nHi", "Body", "line breaks"),
        (["buyer@example.com"], "Subject", "  ", "plain-text body"),
        (["buyer@example.com"], "Subject", "Bo\x00dy", "NUL"),
    ],
)
def test_bad_messages_are_refused_with_a_reason_and_nothing_written(to, subject, text, said):
    with pytest.raises(ValueError, match=said):
        mail.send(to, subject, text)
    assert not OutboundMessage.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_a_message_without_recipients():
    with pytest.raises(IntegrityError):
        OutboundMessage.objects.create(to=[], subject="s", text="t", from_email="a@example.com")


@pytest.mark.django_db
def test_a_failure_is_retried_with_exponential_backoff_then_marked_failed(
    settings, failing_mail, django_capture_on_commit_callbacks
):
    settings.MAIL_MAX_ATTEMPTS = 3
    settings.MAIL_RETRY_BASE_SECONDS = 60
    with django_capture_on_commit_callbacks(execute=True):
        message = mail.send(["buyer@example.com"], "Subject", "Body", reason="test")
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and message.attempts == 1
    assert "SMTPServerDisconnected: the server went away" in message.last_error
    first_wait = message.next_attempt_at - timezone.now()
    assert datetime.timedelta(seconds=55) < first_wait <= datetime.timedelta(seconds=60)

    # Not due yet: a task that runs early leaves it alone.
    assert outbox.deliver.call(message.pk)["why"] == "not due yet"
    message.refresh_from_db()
    assert message.attempts == 1

    # The second attempt, when due, fails too and waits twice as long.
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    outbox.deliver.call(message.pk)
    message.refresh_from_db()
    assert message.attempts == 2 and message.status == MessageStatus.QUEUED
    second_wait = message.next_attempt_at - timezone.now()
    assert datetime.timedelta(seconds=115) < second_wait <= datetime.timedelta(seconds=120)

    # The last attempt fails: the message is failed, kept, with its error.
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    outbox.deliver.call(message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.attempts == 3
    assert message.next_attempt_at is None and message.last_error
    assert failing_mail.failures == 3
    assert outbox.deliver.call(message.pk)["why"] == "already failed"
    assert failing_mail.failures == 3


def test_backoff_doubles_and_is_capped(settings):
    settings.MAIL_RETRY_BASE_SECONDS = 60
    settings.MAIL_RETRY_MAX_SECONDS = 600
    waits = [outbox.backoff(n).total_seconds() for n in range(1, 7)]
    assert waits == [60, 120, 240, 480, 600, 600]


@pytest.mark.django_db
def test_a_retry_is_deferred_with_run_after_on_a_backend_that_can_defer(
    settings, failing_mail, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        message = mail.send(["buyer@example.com"], "Subject", "Body")
    [first] = default_task_backend.results
    assert first.task.run_after is None and first.args == [message.pk]

    with django_capture_on_commit_callbacks(execute=True):
        outbox.deliver.call(message.pk)
    message.refresh_from_db()
    [_, retry] = default_task_backend.results
    assert retry.args == [message.pk]
    assert retry.task.run_after == message.next_attempt_at


@pytest.mark.django_db
def test_the_sweep_sends_a_message_whose_task_was_lost(django_capture_on_commit_callbacks):
    # Recorded, but its task never ran (a worker killed, an enqueue that failed).
    message = OutboundMessage.objects.create(
        to=["buyer@example.com"],
        subject="Lost task",
        text="Body",
        from_email="noreply@example.com",
        next_attempt_at=timezone.now() - datetime.timedelta(minutes=10),
    )
    fresh = OutboundMessage.objects.create(
        to=["other@example.com"],
        subject="Its task is about to run",
        text="Body",
        from_email="noreply@example.com",
        next_attempt_at=timezone.now(),
    )
    assert outbox.requeue_due() == 1
    message.refresh_from_db()
    fresh.refresh_from_db()
    assert message.status == MessageStatus.SENT and fresh.status == MessageStatus.QUEUED
    assert [m.subject for m in django_mail.outbox] == ["Lost task"]


@pytest.mark.django_db
def test_a_second_task_for_a_sent_message_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = mail.send(["buyer@example.com"], "Once", "Body")
    assert outbox.deliver.call(message.pk)["why"] == "already sent"
    assert len(django_mail.outbox) == 1


@pytest.mark.django_db
def test_an_enqueue_failure_after_the_commit_loses_nothing(
    monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise ConnectionError("task store unreachable")

    monkeypatch.setattr(ImmediateBackend, "enqueue", broken)
    with django_capture_on_commit_callbacks(execute=True):
        message = mail.send(["buyer@example.com"], "Kept", "Body")
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and django_mail.outbox == []
    monkeypatch.undo()
    assert outbox.requeue_due(grace=datetime.timedelta(0)) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


# ---------------------------------------------------------------- the admin


@pytest.fixture
def failed_message(settings, failing_mail, django_capture_on_commit_callbacks):
    settings.MAIL_MAX_ATTEMPTS = 1
    with django_capture_on_commit_callbacks(execute=True):
        message = mail.send(["buyer@example.com"], "Will fail", "Secret link", reason="test")
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    return message


@pytest.mark.django_db
def test_administrators_see_the_outbox_with_status_and_error(admin_client, failed_message):
    page = admin_client.get(reverse("admin:mail_outboundmessage_changelist")).content.decode()
    assert "Will fail" in page and "buyer@example.com" in page
    assert "SMTPServerDisconnected" in page and "Failed" in page
    detail = admin_client.get(
        reverse("admin:mail_outboundmessage_change", args=[failed_message.pk])
    )
    body = detail.content.decode()
    assert detail.status_code == 200 and "Secret link" not in body  # bodies are not shown
    assert 'name="_save"' not in body  # read-only
    assert admin_client.get(reverse("admin:mail_outboundmessage_add")).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:mail_outboundmessage_delete", args=[failed_message.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert OutboundMessage.objects.filter(pk=failed_message.pk).exists()


@pytest.mark.django_db
def test_the_retry_action_sends_a_failed_message_again(
    admin_client, failed_message, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:mail_outboundmessage_changelist"),
            {"action": "retry_messages", "_selected_action": [failed_message.pk]},
            follow=True,
        )
    assert "1 message(s) queued to be sent again." in response.content.decode()
    failed_message.refresh_from_db()
    assert failed_message.status == MessageStatus.SENT and failed_message.attempts == 1
    assert [m.subject for m in django_mail.outbox] == ["Will fail"]


@pytest.mark.django_db
def test_staff_without_the_permission_cannot_see_or_retry(client, failed_message):
    staff = User.objects.create_user("curator", "c@example.com", "pw", is_staff=True)
    client.force_login(staff)
    url = reverse("admin:mail_outboundmessage_changelist")
    assert client.get(url).status_code == 403
    client.post(url, {"action": "retry_messages", "_selected_action": [failed_message.pk]})
    failed_message.refresh_from_db()
    assert failed_message.status == MessageStatus.FAILED


# ---------------------------------------------------------------- the real worker


def test_the_worker_process_sends_queued_mail(settings, tmp_path, transactional_db):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with transaction.atomic():
        message = mail.send(["buyer@example.com"], "From the worker", "Body", reason="test")
    task = DBTaskResult.objects.get()
    assert task.status == TaskResultStatus.READY and task.args_kwargs["args"] == [message.pk]

    run_worker(
        database_url(),
        tmp_path,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )
    message.refresh_from_db()
    task.refresh_from_db()
    assert message.status == MessageStatus.SENT and task.status == TaskResultStatus.SUCCESSFUL
    [written] = (tmp_path / "mail").iterdir()
    assert "Subject: From the worker" in written.read_text()
