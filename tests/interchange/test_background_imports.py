"""Confirmed imports run in the task worker: a status page with progress, then counts or
errors; all or nothing; the stored file kept until the import finishes (and after a
failure, to try again). Most tests run tasks in the request (the immediate backend); the
ones marked as such run the database backend with a real worker process."""

import datetime
import subprocess
import sys
import time

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.tasks import TaskResultStatus
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from providers.curation import imports as wizard
from providers.interchange import importing
from providers.interchange.background import ProgressWriter
from providers.models import ImportStatus, Provider, ProviderImport
from tests.factories import ensure_reference_data, make_provider
from tests.interchange.test_import_files import GOOD_ROW, SECOND_ROW, csv_file, upload
from tests.platform.servers import ROOT, database_url, process_environment, run_worker

IMPORT_URL = reverse("admin:providers_provider_import")


def status_url(job: ProviderImport) -> str:
    return reverse("admin:providers_provider_import_status", args=[job.pk])


def confirm(client, data: bytes, name: str = "providers.csv"):
    """Upload and confirm; return the confirm response (not followed)."""
    preview = upload(client, data, name)
    assert preview.context["plan"].ok, preview.context["plan"].errors
    return client.post(IMPORT_URL, {"confirm": "1", "token": preview.context["token"]})


def stored_files() -> list[str]:
    if not default_storage.exists(wizard.PENDING_FOLDER):
        return []
    return default_storage.listdir(wizard.PENDING_FOLDER)[1]


@pytest.mark.django_db
def test_confirm_answers_with_a_status_page_listed_on_the_import_page(client, curator):
    confirmed = confirm(client, csv_file(GOOD_ROW))
    job = ProviderImport.objects.get()
    assert confirmed.status_code == 302
    assert confirmed["Location"] == status_url(job)
    assert job.status == ImportStatus.DONE and job.requested_by == curator
    assert job.counts == {"create": 1, "update": 0, "unchanged": 0}
    assert (job.rows_total, job.rows_planned, job.rows_written) == (1, 1, 1)
    assert Provider.objects.filter(slug="acme-pharma").exists()
    assert stored_files() == [] and job.stored_path == ""  # deleted once finished

    status = client.get(status_url(job))
    page = status.content.decode()
    assert 'data-status="done"' in page and "<strong>1</strong> provider(s) created" in page
    assert 'http-equiv="refresh"' not in page  # nothing left to wait for

    listing = client.get(IMPORT_URL).content.decode()
    assert 'id="recent-imports"' in listing
    assert f'href="{status_url(job)}"' in listing and "Imported: 1 created" in listing


@pytest.mark.django_db
def test_import_refused_on_its_second_check_writes_nothing_and_lists_the_errors(client, curator):
    preview = upload(client, csv_file(GOOD_ROW, SECOND_ROW))
    assert preview.context["plan"].ok
    # Between preview and confirm someone else takes the website the file gives Acme.
    make_provider("Other", slug="other", website="https://acme.example")
    client.post(IMPORT_URL, {"confirm": "1", "token": preview.context["token"]})

    job = ProviderImport.objects.get()
    assert job.status == ImportStatus.REFUSED
    assert not Provider.objects.filter(slug__in=["acme-pharma", "beta-labs"]).exists()
    assert job.errors[0]["row"] == 2 and job.errors[0]["column"] == "website"
    assert stored_files() == []  # the file must be fixed and uploaded again
    page = client.get(status_url(job)).content.decode()
    assert "Nothing was imported from providers.csv" in page
    assert "already belongs to the provider &#x27;other&#x27;" in page
    assert 'name="retry"' not in page


@pytest.mark.django_db
def test_import_failing_while_writing_writes_nothing_keeps_the_file_and_can_be_retried(
    client, curator, monkeypatch
):
    real_create = importing.create_providers

    def create_then_fail(*args, **kwargs):
        real_create(*args, **kwargs)  # rows written inside the transaction, then it fails
        raise DatabaseError("could not extend file: No space left on device")

    monkeypatch.setattr(importing, "create_providers", create_then_fail)
    confirm(client, csv_file(GOOD_ROW, SECOND_ROW))
    job = ProviderImport.objects.get()
    assert job.status == ImportStatus.FAILED
    assert Provider.objects.count() == 0  # all or nothing
    assert job.stored_path and stored_files() == [job.stored_path.split("/")[-1]]
    page = client.get(status_url(job)).content.decode()
    assert "The database refused the import, so nothing was written" in page
    assert "No space left on device" in page and 'name="retry"' in page

    monkeypatch.setattr(importing, "create_providers", real_create)
    client.post(status_url(job), {"retry": "1"})
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.file_errors == []
    assert set(Provider.objects.values_list("slug", flat=True)) == {"acme-pharma", "beta-labs"}
    assert stored_files() == []


@pytest.mark.django_db
def test_unexpected_error_fails_the_task_and_says_so_on_the_import(client, curator, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("capability")

    monkeypatch.setattr(importing, "create_providers", broken)
    confirm(client, csv_file(GOOD_ROW))
    job = ProviderImport.objects.get()
    assert job.status == ImportStatus.FAILED and Provider.objects.count() == 0
    assert "unexpected error (KeyError)" in job.file_errors[0]
    client.post(status_url(job), {"discard": "1"})
    job.refresh_from_db()
    assert job.stored_path == "" and stored_files() == []
    assert "Given up by cora" in job.file_errors[0]


@pytest.mark.django_db
def test_queued_import_waits_for_the_worker_and_can_be_cancelled(client, curator, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    confirm(client, csv_file(GOOD_ROW))
    job = ProviderImport.objects.get()
    assert job.status == ImportStatus.QUEUED and job.task_id
    page = client.get(status_url(job)).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page  # works without JavaScript
    assert "waits for the task worker" in page and 'name="cancel"' in page

    client.post(status_url(job), {"cancel": "1"})
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and stored_files() == []
    assert not Provider.objects.exists()


@pytest.mark.django_db
def test_status_page_needs_the_import_permission(client):
    job = ProviderImport.objects.create(filename="secret-batch.csv")
    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    client.force_login(viewer)
    response = client.get(status_url(job))
    assert response.status_code == 403
    assert "secret-batch" not in response.content.decode()
    assert client.post(status_url(job), {"cancel": "1"}).status_code == 403


@pytest.mark.django_db
def test_files_of_confirmed_imports_are_not_swept_as_abandoned(monkeypatch):
    waiting = default_storage.save(f"{wizard.PENDING_FOLDER}/waiting", ContentFile(b"x"))
    abandoned = default_storage.save(f"{wizard.PENDING_FOLDER}/abandoned", ContentFile(b"x"))
    ProviderImport.objects.create(filename="big.csv", stored_path=waiting)
    monkeypatch.setattr(wizard, "ABANDONED_AFTER", datetime.timedelta(seconds=-1))
    assert wizard.forget_abandoned_imports() == 1
    assert default_storage.exists(waiting) and not default_storage.exists(abandoned)


@pytest.mark.django_db(transaction=True)
def test_progress_is_committed_while_the_import_transaction_is_open():
    job = ProviderImport.objects.create(filename="big.csv", status=ImportStatus.WRITING)
    with pytest.raises(RuntimeError), transaction.atomic():
        with ProgressWriter(job.pk, interval=0.05) as progress:
            progress.set(rows_written=700)
        raise RuntimeError("the import's own transaction rolls back")
    job.refresh_from_db()
    assert job.rows_written == 700


# ---------------------------------------------------------------- the real worker


@pytest.fixture
def real_worker(settings, tmp_path, transactional_db):
    """The database task backend and a file storage a worker process can read."""
    ensure_reference_data()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path


@pytest.fixture
def admin_client_live(client, real_worker):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    return client


def test_worker_process_runs_a_confirmed_import(admin_client_live, real_worker):
    client = admin_client_live
    confirmed = confirm(client, csv_file(GOOD_ROW))
    job = ProviderImport.objects.get()
    assert confirmed["Location"] == status_url(job)
    task = DBTaskResult.objects.get(id=job.task_id)
    assert task.status == TaskResultStatus.READY and job.status == ImportStatus.QUEUED
    assert not Provider.objects.exists()

    run_worker(database_url(), real_worker)
    job.refresh_from_db()
    task.refresh_from_db()
    assert job.status == ImportStatus.DONE and task.status == TaskResultStatus.SUCCESSFUL
    assert Provider.objects.filter(slug="acme-pharma").exists()
    assert list((real_worker / "media" / wizard.PENDING_FOLDER).iterdir()) == []
    page = client.get(status_url(job)).content.decode()
    assert "<strong>1</strong> provider(s) created" in page
    # Administrators also reach the worker's own record of the task.
    assert reverse("admin:django_tasks_database_dbtaskresult_change", args=[task.pk]) in page


ROWS = 100_000


@pytest.mark.slow
def test_hundred_thousand_row_csv_completes_through_the_admin(admin_client_live, real_worker):
    """The file the 30-second request limit used to kill: 100,000 rows, 4.8 MB. Takes about
    a minute on a quiet machine (checked in the preview, then checked and written by the
    worker)."""
    client = admin_client_live
    rows = (f"p{n:06d},Provider {n:06d},cro,GB,,,,,,,draft,,,no" for n in range(ROWS))
    data = csv_file(*rows)
    assert len(data) < 5 * 1024 * 1024  # within the upload limit
    confirmed = confirm(client, data, "hundred-thousand.csv")
    job = ProviderImport.objects.get()
    assert confirmed["Location"] == status_url(job) and job.rows_total == ROWS

    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay"],
        cwd=ROOT,
        env=process_environment(database_url(), real_worker),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen = set()
    try:
        deadline = time.monotonic() + 600
        while worker.poll() is None and time.monotonic() < deadline:
            page = client.get(status_url(job)).content.decode()
            job.refresh_from_db()
            if job.running:
                assert 'http-equiv="refresh"' in page
                seen.add((job.status, job.rows_planned > 0, job.rows_written > 0))
            time.sleep(1)
    finally:
        if worker.poll() is None:
            worker.kill()
        output = worker.communicate()[0]
    assert worker.returncode == 0, output[-4000:]

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.file_errors
    assert job.counts == {"create": ROWS, "update": 0, "unchanged": 0}
    assert Provider.objects.count() == ROWS
    # The status page showed the rows being checked, then being written.
    assert (ImportStatus.PLANNING, True, False) in seen
    assert (ImportStatus.WRITING, True, True) in seen
    page = client.get(status_url(job)).content.decode()
    assert f"<strong>{ROWS}</strong> provider(s) created" in page


def test_command_line_import_runs_in_the_foreground(real_worker, tmp_path):
    """manage.py import_providers needs no worker: it is its own process."""
    path = tmp_path / "providers.csv"
    path.write_bytes(csv_file(GOOD_ROW))
    call_command("import_providers", str(path), verbosity=0)
    assert Provider.objects.filter(slug="acme-pharma").exists()
    assert not DBTaskResult.objects.exists() and not ProviderImport.objects.exists()
