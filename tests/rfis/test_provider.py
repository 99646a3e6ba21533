"""The provider's users: the inbox, opening (recorded once), answering with drafts and a
deadline, declining with a reason; the buyer is told."""

import datetime

import pytest
from django.utils import timezone

from providers.mail.models import OutboundMessage
from providers.rfis.models import Answer, Event, InformationRequest
from tests.rfis.conftest import make_request

pytestmark = pytest.mark.django_db

GRID_ANSWERS = {
    "capacity": "One 500 L line free from May",
    "modality_experience": "Twelve antibodies to Phase II",
    "inspections": "EMA 2024, no critical findings",
    "price_range": "EUR 800k to 1M",
    "risks": "Resin supply",
    "q1": "Yes, DDP Tokyo",
}


def item_for(rfi, provider):
    return rfi.recipients.get(provider=provider)


def test_the_inbox_lists_only_requests_to_the_users_provider(client, parties, sent_request):
    only_bolt = make_request(parties["other_buyer"], [parties["bolt"]], title="Oligo tox")
    make_request(parties["buyer"], [parties["acme"]], sent=False, title="Unsent draft")
    client.force_login(parties["acme_rep"])
    page = client.get("/inbox/").content.decode()
    assert "mAb Phase I supply" in page
    assert "Oligo tox" not in page and "Unsent draft" not in page
    client.force_login(parties["bolt_rep"])
    page = client.get("/inbox/").content.decode()
    assert "mAb Phase I supply" in page and "Oligo tox" in page
    assert only_bolt.pk


def test_a_user_of_no_provider_has_an_empty_inbox(client, parties, sent_request):
    client.force_login(parties["stranger"])
    page = client.get("/inbox/").content.decode()
    assert "No requests for the providers you represent yet." in page


def test_opening_is_recorded_once_and_shown_to_the_buyer(client, parties, sent_request):
    item = item_for(sent_request, parties["acme"])
    client.force_login(parties["acme_rep"])
    page = client.get(f"/inbox/{item.pk}/").content.decode()
    assert "Drug substance for a Phase I trial." in page and "Can you ship to Japan?" in page
    client.force_login(parties["acme_rep2"])
    client.get(f"/inbox/{item.pk}/")
    item.refresh_from_db()
    assert item.opened_at is not None
    opened = Event.objects.filter(request=sent_request, kind="opened")
    assert opened.count() == 1 and opened.get().actor == parties["acme_rep"]


def test_a_draft_answer_is_kept_and_not_shown_to_the_buyer(client, parties, sent_request):
    item = item_for(sent_request, parties["acme"])
    client.force_login(parties["acme_rep"])
    response = client.post(
        f"/inbox/{item.pk}/", {"capacity": "Draft: maybe May", "action": "draft"}, follow=True
    )
    assert "Draft saved" in response.content.decode()
    answer = Answer.objects.get(recipient=item)
    assert answer.submitted_at is None and answer.capacity == "Draft: maybe May"
    item.refresh_from_db()
    assert item.response == "awaiting"
    # The colleague sees the draft too; the buyer does not.
    client.force_login(parties["acme_rep2"])
    assert "Draft: maybe May" in client.get(f"/inbox/{item.pk}/").content.decode()
    client.force_login(parties["buyer"])
    assert (
        "Draft: maybe May"
        not in client.get(f"/requests/{sent_request.pk}/compare/").content.decode()
    )
    assert not OutboundMessage.objects.filter(reason="rfi_answered").exists()


def test_submitting_needs_every_question_answered(client, parties, sent_request):
    item = item_for(sent_request, parties["acme"])
    client.force_login(parties["acme_rep"])
    incomplete = {**GRID_ANSWERS, "q1": "  ", "action": "submit"}
    page = client.post(f"/inbox/{item.pk}/", incomplete).content.decode()
    assert "Answer this question to submit" in page
    assert "The answer was not saved" in page
    assert not Answer.objects.filter(recipient=item).exists()
    item.refresh_from_db()
    assert item.response == "awaiting"


def test_submitting_an_answer_tells_the_buyer(client, parties, sent_request):
    item = item_for(sent_request, parties["acme"])
    client.force_login(parties["acme_rep"])
    response = client.post(f"/inbox/{item.pk}/", {**GRID_ANSWERS, "action": "submit"}, follow=True)
    assert "Answer submitted" in response.content.decode()
    item.refresh_from_db()
    assert item.response == "answered" and item.responded_at is not None
    answer = item.answer
    assert answer.submitted_at is not None and answer.answers == ["Yes, DDP Tokyo"]
    assert answer.updated_by == parties["acme_rep"]
    mail = OutboundMessage.objects.get(reason="rfi_answered")
    assert mail.to == ["buyer@example.com"] and "Acme Biologics" in mail.subject
    assert f"/requests/{sent_request.pk}/compare/" in mail.text
    assert Event.objects.filter(request=sent_request, kind="answered").count() == 1
    # A submitted answer no longer changes.
    client.post(f"/inbox/{item.pk}/", {**GRID_ANSWERS, "capacity": "Changed", "action": "submit"})
    answer.refresh_from_db()
    assert answer.capacity == GRID_ANSWERS["capacity"]
    client.force_login(parties["buyer"])
    page = client.get(f"/requests/{sent_request.pk}/compare/").content.decode()
    assert "One 500 L line free from May" in page and "Yes, DDP Tokyo" in page


def test_no_answer_after_the_deadline(client, parties, sent_request):
    item = item_for(sent_request, parties["acme"])
    yesterday = timezone.now().date() - datetime.timedelta(days=1)
    InformationRequest.objects.filter(pk=sent_request.pk).update(deadline=yesterday)
    client.force_login(parties["acme_rep"])
    page = client.get(f"/inbox/{item.pk}/").content.decode()
    assert "has passed" in page and "Submit the answer" not in page
    response = client.post(f"/inbox/{item.pk}/", {**GRID_ANSWERS, "action": "submit"}, follow=True)
    assert "The deadline" in response.content.decode()
    assert not Answer.objects.filter(recipient=item).exists()
    response = client.post(f"/inbox/{item.pk}/decline/", {"reason": "no-capacity"}, follow=True)
    item.refresh_from_db()
    assert item.response == "awaiting"


def test_the_deadline_day_itself_is_still_open(client, parties, sent_request):
    item = item_for(sent_request, parties["acme"])
    InformationRequest.objects.filter(pk=sent_request.pk).update(deadline=timezone.now().date())
    client.force_login(parties["acme_rep"])
    client.post(f"/inbox/{item.pk}/", {**GRID_ANSWERS, "action": "submit"})
    item.refresh_from_db()
    assert item.response == "answered"


def test_declining_with_a_reason_tells_the_buyer(client, parties, sent_request):
    item = item_for(sent_request, parties["bolt"])
    client.force_login(parties["bolt_rep"])
    response = client.post(
        f"/inbox/{item.pk}/decline/", {"reason": "no-capacity", "text": "Full until 2028"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.response == "declined" and item.decline_reason == "no-capacity"
    assert item.decline_text == "Full until 2028"
    mail = OutboundMessage.objects.get(reason="rfi_declined")
    assert mail.to == ["buyer@example.com"] and "Full until 2028" in mail.text
    # Once declined, neither an answer nor a second refusal is taken.
    client.post(f"/inbox/{item.pk}/", {**GRID_ANSWERS, "action": "submit"})
    assert not Answer.objects.filter(recipient=item).exists()
    client.force_login(parties["buyer"])
    page = client.get(f"/requests/{sent_request.pk}/").content.decode()
    assert "Declined: No capacity" in page and "Full until 2028" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "other", "text": "  "}, "Say why, when the reason is “Other”."),
        ({"reason": "bored"}, "Select a valid choice"),
        ({}, "This field is required."),
    ],
)
def test_declining_needs_a_valid_reason(client, parties, sent_request, data, message):
    item = item_for(sent_request, parties["bolt"])
    client.force_login(parties["bolt_rep"])
    response = client.post(f"/inbox/{item.pk}/decline/", data, follow=True)
    assert message in response.content.decode()
    item.refresh_from_db()
    assert item.response == "awaiting" and item.decline_reason == ""
    assert not OutboundMessage.objects.exists()


def test_other_with_text_is_a_valid_refusal(client, parties, sent_request):
    item = item_for(sent_request, parties["bolt"])
    client.force_login(parties["bolt_rep"])
    client.post(f"/inbox/{item.pk}/decline/", {"reason": "other", "text": "Sanctions"})
    item.refresh_from_db()
    assert item.response == "declined" and item.decline_text == "Sanctions"


def test_two_colleagues_first_drafts_end_in_one_answer(parties, sent_request):
    """Both opened the empty form; the second draft, saved after the first, updates it
    rather than failing on a second answer row."""
    from providers.rfis import flow
    from providers.rfis.forms import AnswerForm

    item = item_for(sent_request, parties["acme"])
    forms = [
        AnswerForm({"capacity": text}, instance=Answer(recipient=item), questions=[])
        for text in ("From rep one", "From rep two")
    ]
    for form, user in zip(forms, (parties["acme_rep"], parties["acme_rep2"]), strict=True):
        assert form.is_valid()
        flow.save_answer(item.pk, form, user, submit=False, base_url="https://d.example")
    answer = Answer.objects.get(recipient=item)
    assert answer.capacity == "From rep two" and answer.updated_by == parties["acme_rep2"]
