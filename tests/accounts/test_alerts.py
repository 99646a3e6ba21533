"""Alerts: digests of new providers matching a saved search, and of changes to shortlisted
providers a buyer cares about; run on the task worker's schedule, mailed through the
outbox, managed on a page, and stopped by a one-click (one-POST) unsubscribe."""

import datetime

import pytest
from django.core import mail as django_mail
from django.tasks import default_task_backend
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from providers.accounts import alerts
from providers.accounts.models import AlertSettings, SavedSearch, ShortlistEntry
from providers.mail import schedule
from providers.mail.models import OutboundMessage, Schedule
from providers.models import Provider, Site
from providers.regulatory import Inspection
from tests.factories import make_provider

pytestmark = pytest.mark.django_db


def run_alerts(on_commit):
    with on_commit():
        return alerts.run()


def save_search(client, name: str, query: str) -> SavedSearch:
    client.post(reverse("accounts:save-search"), {"name": name, "query": query})
    return SavedSearch.objects.get(name=name)


# ---------------------------------------------------------------- saved searches


def test_a_saved_search_sends_a_digest_of_new_matches_once(signed_in, directory, buyer, on_commit):
    save_search(signed_in, "CMOs", "type=cmo")
    assert run_alerts(on_commit)["digests"] == 0  # what matched when saved is not news

    make_provider("Zeta Fill", slug="zeta-fill", types=("cmo",))
    make_provider("Zeta Draft", slug="zeta-draft", types=("cmo",), status=Provider.Status.DRAFT)
    make_provider("Zeta Research", slug="zeta-research", types=("cro",))
    assert run_alerts(on_commit)["digests"] == 1
    [sent] = django_mail.outbox
    assert sent.to == ["buyer@pharma.example"]
    assert sent.subject == "Directory alerts: 1 new match(es)"
    assert 'New providers matching your saved search "CMOs" (1):' in sent.body
    assert "- Zeta Fill: http://127.0.0.1:8000/providers/zeta-fill/" in sent.body
    assert "Zeta Draft" not in sent.body and "Zeta Research" not in sent.body
    assert "/accounts/alerts/unsubscribe/" in sent.body
    html = sent.alternatives[0].content
    assert '<a href="http://127.0.0.1:8000/providers/zeta-fill/">Zeta Fill</a>' in html
    assert OutboundMessage.objects.get().reason == "alert_digest"

    assert run_alerts(on_commit)["digests"] == 0  # announced once
    assert len(django_mail.outbox) == 1


def test_a_search_with_alerts_off_sends_nothing(signed_in, directory, buyer, on_commit):
    search = save_search(signed_in, "CMOs", "type=cmo")
    SavedSearch.objects.filter(pk=search.pk).update(alerts=False)
    make_provider("Zeta Fill", slug="zeta-fill", types=("cmo",))
    assert run_alerts(on_commit)["digests"] == 0
    assert django_mail.outbox == []


# ---------------------------------------------------------------- shortlisted providers


@pytest.fixture
def watched(signed_in, directory, buyer):
    signed_in.post("/providers/beta-biologics/shortlist/", {"action": "add", "next": "/"})
    return directory["beta"]


def test_changes_to_a_shortlisted_provider_are_sent_as_they_happen(watched, buyer, on_commit):
    assert run_alerts(on_commit)["digests"] == 0  # the first look only records the record
    assert ShortlistEntry.objects.get(user=buyer).seen["sites"]

    site = Site.objects.create(provider=watched, name="Basel plant", city="Basel", country="CH")
    Inspection.objects.create(
        site=site,
        authority="fda",
        end_date=datetime.date(2026, 10, 2),
        outcome="oai",
    )
    Site.objects.filter(provider=watched, name="Cork plant").delete()
    assert run_alerts(on_commit)["digests"] == 1
    body = django_mail.outbox[-1].body
    assert "Beta Biologics (http://127.0.0.1:8000/providers/beta-biologics/):" in body
    assert "- Site added: Basel plant, Basel, CH" in body
    assert "- Site removed: Cork plant, Cork, IE" in body
    assert (
        "- New inspection outcome: US FDA inspection of Basel plant ending 2026-10-02: "
        "Official action indicated (OAI)" in body
    )
    assert django_mail.outbox[-1].subject == "Directory alerts: 1 shortlisted provider(s) changed"

    Provider.objects.filter(pk=watched.pk).update(status=Provider.Status.WITHDRAWN)
    assert run_alerts(on_commit)["digests"] == 1
    assert "- The record was withdrawn from the directory." in django_mail.outbox[-1].body
    assert run_alerts(on_commit)["digests"] == 0


def test_an_edit_buyers_do_not_track_sends_nothing(watched, on_commit):
    run_alerts(on_commit)
    Provider.objects.filter(pk=watched.pk).update(summary="Reworded.")
    assert run_alerts(on_commit)["digests"] == 0


def test_shortlist_alerts_switched_off_send_nothing_and_do_not_pile_up(
    signed_in, watched, buyer, on_commit
):
    run_alerts(on_commit)
    AlertSettings.objects.create(user=buyer, shortlist_changes=False)
    Site.objects.create(provider=watched, name="Basel plant", city="Basel", country="CH")
    assert run_alerts(on_commit)["digests"] == 0
    signed_in.post(reverse("accounts:alerts"), {"shortlist_changes": "on"})
    assert run_alerts(on_commit)["digests"] == 0  # made while off: not sent late
    Site.objects.create(provider=watched, name="Zug lab", city="Zug", country="CH")
    assert run_alerts(on_commit)["digests"] == 1
    assert "Zug lab" in django_mail.outbox[-1].body and "Basel" not in django_mail.outbox[-1].body
    django_mail.outbox.clear()
    assert django_mail.outbox == []


# ---------------------------------------------------------------- managing alerts


def test_the_alerts_page_switches_alerts_on_and_off(signed_in, directory, buyer):
    search = save_search(signed_in, "CMOs", "type=cmo")
    page = signed_in.get(reverse("accounts:alerts")).content.decode()
    assert 'id="shortlist_changes" name="shortlist_changes" checked' in page
    assert f'name="search" value="{search.pk}" checked' in page
    signed_in.post(reverse("accounts:alerts"), {})
    search.refresh_from_db()
    assert not search.alerts and not AlertSettings.objects.get(user=buyer).shortlist_changes
    # Switching a search on again starts from what it matches now.
    make_provider("Zeta Fill", slug="zeta-fill", types=("cmo",))
    signed_in.post(reverse("accounts:alerts"), {"search": [search.pk], "shortlist_changes": "on"})
    search.refresh_from_db()
    assert search.alerts and Provider.objects.get(slug="zeta-fill").pk in search.known_ids


def test_another_users_search_cannot_be_switched_from_the_alerts_page(signed_in, other_buyer):
    theirs = SavedSearch.objects.create(user=other_buyer, name="Theirs", alerts=True)
    signed_in.post(reverse("accounts:alerts"), {"search": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.alerts
    signed_in.post(reverse("accounts:alerts"), {})
    theirs.refresh_from_db()
    assert theirs.alerts


def test_the_unsubscribe_link_stops_every_alert(client, buyer):
    search = SavedSearch.objects.create(user=buyer, name="Mine", alerts=True)
    url = reverse("accounts:unsubscribe", args=[alerts.unsubscribe_token(buyer.pk)])
    page = client.get(url)
    assert page.status_code == 200 and "Unsubscribe from all alerts" in page.content.decode()
    search.refresh_from_db()
    assert search.alerts  # a GET (a mail scanner following links) changes nothing
    done = client.post(url)
    assert done.status_code == 200 and "No more alerts" in done.content.decode()
    search.refresh_from_db()
    assert not search.alerts and not AlertSettings.objects.get(user=buyer).shortlist_changes


def test_a_forged_unsubscribe_link_is_refused(client, buyer):
    token = alerts.unsubscribe_token(buyer.pk)
    forged = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    assert client.get(reverse("accounts:unsubscribe", args=[forged])).status_code == 404
    assert client.post(reverse("accounts:unsubscribe", args=["nonsense"])).status_code == 404


def test_alert_forms_need_their_csrf_token(buyer):
    SavedSearch.objects.create(user=buyer, name="Mine", alerts=True)
    strict = Client(enforce_csrf_checks=True)
    url = reverse("accounts:unsubscribe", args=[alerts.unsubscribe_token(buyer.pk)])
    assert strict.post(url).status_code == 403
    strict.force_login(buyer)
    assert strict.post(reverse("accounts:alerts"), {}).status_code == 403
    assert SavedSearch.objects.get(user=buyer).alerts


# ---------------------------------------------------------------- the schedule


def test_a_tick_claims_its_run_once_and_schedules_the_next(settings, monkeypatch):
    ran = []
    monkeypatch.setattr(alerts, "run", lambda: ran.append(1) or {"digests": 0})
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    settings.SCHEDULE_INTERVAL_SECONDS = 600
    result = schedule.tick.call()
    assert ran == [1] and result["providers.accounts.alerts.run"] == {"digests": 0}
    row = Schedule.objects.get(name=schedule.NAME)
    [following] = default_task_backend.results
    assert following.task.run_after == row.next_run_at
    assert datetime.timedelta(seconds=590) < row.next_run_at - timezone.now()

    # A second tick for the same run (a duplicate chain) does nothing and ends its chain.
    assert schedule.tick.call() == {"skipped": "another tick has this run"}
    assert ran == [1] and len(default_task_backend.results) == 1


def test_a_failing_job_keeps_the_schedule_going(settings, monkeypatch):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(alerts, "run", broken)
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    result = schedule.tick.call()
    assert result["providers.accounts.alerts.run"] == "failed"
    assert len(default_task_backend.results) == 1  # the next tick is enqueued all the same


def test_start_schedule_starts_a_chain_only_when_none_is_alive(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    assert schedule.start() is True
    assert len(default_task_backend.results) == 1
    Schedule.objects.filter(name=schedule.NAME).update(
        next_run_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert schedule.start() is False
    assert len(default_task_backend.results) == 1
    Schedule.objects.filter(name=schedule.NAME).update(
        next_run_at=timezone.now() - datetime.timedelta(hours=2)
    )
    assert schedule.start() is True  # the chain was lost: started again
