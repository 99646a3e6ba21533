"""The buyer: a draft from the shortlist, sending it (checked, rate-limited, notified),
comparing the answers, the export and the decisions, the audit trail."""

import datetime
import io

import pytest
from django.test import override_settings
from django.utils import timezone
from openpyxl import load_workbook

from providers.mail.models import OutboundMessage
from providers.models import Capability, Modality, Provider
from providers.rfis.models import Answer, Event, InformationRequest, Recipient
from tests.factories import make_provider
from tests.rfis.conftest import make_request

pytestmark = pytest.mark.django_db


def shortlist(client, *providers):
    for provider in providers:
        client.post(f"/providers/{provider.slug}/shortlist/", {"action": "add", "next": "/"})


def form_data(chosen, **changes):
    data = {
        "providers": [p.pk for p in chosen],
        "title": "mAb Phase I drug substance",
        "summary": "5 kg of a monoclonal antibody for a Phase I trial.",
        "capabilities": [Capability.objects.get(slug="mammalian-biologics").pk],
        "modality": Modality.objects.get(slug="monoclonal-antibody").pk,
        "phase": "3",
        "scale": "2000 L",
        "quantities": "5 kg",
        "timeline": "Start Q2, release by Q4",
        "target_regions": ["europe", "north-america"],
        "regulators": ["fda", "eu"],
        "sterile": "on",
        "confidentiality_needed": "on",
        "questions_text": "Can you ship to Japan?\n\n  Which cell lines have you run?  \n",
        "deadline": (timezone.now().date() + datetime.timedelta(days=10)).isoformat(),
    }
    data.update(changes)
    return data


def test_the_shortlist_offers_a_request_and_the_form_preselects_it(client, parties):
    client.force_login(parties["buyer"])
    shortlist(client, parties["acme"], parties["bolt"])
    page = client.get("/shortlist/").content.decode()
    assert 'href="/requests/new/"' in page and "Request information" in page
    form = client.get("/requests/new/").content.decode()
    assert f'value="{parties["acme"].pk}"' in form and f'value="{parties["bolt"].pk}"' in form
    assert "Cobalt Fill" not in form  # not shortlisted
    assert form.count("checked") >= 2


def test_the_form_needs_a_shortlist(client, parties):
    client.force_login(parties["buyer"])
    page = client.get("/requests/new/").content.decode()
    assert "Your shortlist is empty" in page


def test_a_draft_is_saved_with_its_providers_and_questions(client, parties):
    client.force_login(parties["buyer"])
    shortlist(client, parties["acme"], parties["bolt"])
    response = client.post("/requests/new/", form_data([parties["acme"], parties["bolt"]]))
    rfi = InformationRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/requests/{rfi.pk}/"
    assert rfi.status == "draft" and rfi.sent_at is None and rfi.buyer == parties["buyer"]
    assert rfi.questions == ["Can you ship to Japan?", "Which cell lines have you run?"]
    assert rfi.sterile and not rfi.highly_potent and rfi.confidentiality_needed
    assert rfi.target_regions == ["europe", "north-america"] and rfi.regulators == ["fda", "eu"]
    assert rfi.phase_id == 3
    assert {r.provider for r in rfi.recipients.all()} == {parties["acme"], parties["bolt"]}
    assert list(rfi.events.values_list("kind", flat=True)) == ["created"]
    assert OutboundMessage.objects.count() == 0  # nothing goes out with a draft
    page = client.get(f"/requests/{rfi.pk}/").content.decode()
    assert "Draft" in page and "Send to 2 providers" in page and "Sterile" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"providers": []}, "This field is required."),
        ({"deadline": "2020-01-01"}, "The deadline must be a day after today."),
        ({"deadline": "not a date"}, "Enter a valid date."),
        ({"questions_text": "\n".join(f"Question {n}?" for n in range(11))}, "Up to 10 questions"),
        ({"questions_text": "x" * 301}, "longer than 300 characters"),
        ({"title": ""}, "This field is required."),
        ({"target_regions": ["atlantis"]}, "Select a valid choice"),
        ({"phase": "99"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_reported_and_nothing_is_saved(client, parties, changes, message):
    client.force_login(parties["buyer"])
    shortlist(client, parties["acme"])
    response = client.post("/requests/new/", form_data([parties["acme"]], **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert InformationRequest.objects.count() == 0 and Recipient.objects.count() == 0


def test_at_most_ten_providers(client, parties):
    client.force_login(parties["buyer"])
    many = [make_provider(f"Many {n}", slug=f"many-{n}") for n in range(11)]
    shortlist(client, *many)
    response = client.post("/requests/new/", form_data(many))
    assert "at most 10 providers; you chose 11" in response.content.decode()
    assert InformationRequest.objects.count() == 0


def test_a_provider_not_on_the_shortlist_cannot_be_addressed(client, parties):
    client.force_login(parties["buyer"])
    shortlist(client, parties["acme"])
    response = client.post("/requests/new/", form_data([parties["acme"], parties["cobalt"]]))
    assert "Select a valid choice" in response.content.decode()
    assert InformationRequest.objects.count() == 0


def test_editing_a_draft_changes_its_providers(client, parties):
    client.force_login(parties["buyer"])
    shortlist(client, parties["acme"], parties["bolt"])
    rfi = make_request(parties["buyer"], [parties["acme"], parties["bolt"]], sent=False)
    response = client.post(f"/requests/{rfi.pk}/edit/", form_data([parties["bolt"]], title="New"))
    assert response.status_code == 302
    rfi.refresh_from_db()
    assert rfi.title == "New"
    assert [r.provider for r in rfi.recipients.all()] == [parties["bolt"]]


def test_sending_notifies_each_providers_users_once(client, parties):
    client.force_login(parties["buyer"])
    rfi = make_request(
        parties["buyer"], [parties["acme"], parties["bolt"], parties["cobalt"]], sent=False
    )
    response = client.post(f"/requests/{rfi.pk}/send/", follow=True)
    assert "Sent." in response.content.decode()
    rfi.refresh_from_db()
    assert rfi.status == "sent" and rfi.sent_at is not None
    sent = list(OutboundMessage.objects.filter(reason="rfi_new_request"))
    # Acme has two users, Bolt one, Cobalt none (nobody has claimed it yet).
    assert sorted(address for message in sent for address in message.to) == [
        "acmerep2@example.com",
        "acmerep@example.com",
        "boltrep@example.com",
    ]
    assert all(len(message.to) == 1 for message in sent)  # nobody sees the others
    assert all(rfi.title in message.subject for message in sent)
    acme_item = rfi.recipients.get(provider=parties["acme"])
    assert any(f"/inbox/{acme_item.pk}/" in message.text for message in sent)
    assert list(rfi.events.values_list("kind", flat=True)) == ["created", "sent"]


def test_a_sent_request_cannot_change_or_be_sent_again(client, parties, sent_request):
    client.force_login(parties["buyer"])
    response = client.post(f"/requests/{sent_request.pk}/send/", follow=True)
    assert "already been sent" in response.content.decode()
    response = client.post(
        f"/requests/{sent_request.pk}/edit/", form_data([parties["acme"]], title="Changed")
    )
    sent_request.refresh_from_db()
    assert sent_request.title == "mAb Phase I supply"
    response = client.post(f"/requests/{sent_request.pk}/delete/", follow=True)
    assert "cannot be deleted" in response.content.decode()
    assert InformationRequest.objects.filter(pk=sent_request.pk).exists()
    assert OutboundMessage.objects.count() == 0


def test_a_withdrawn_provider_stops_the_send(client, parties):
    client.force_login(parties["buyer"])
    rfi = make_request(parties["buyer"], [parties["acme"]], sent=False)
    Provider.objects.filter(pk=parties["acme"].pk).update(status="withdrawn")
    response = client.post(f"/requests/{rfi.pk}/send/", follow=True)
    assert "No longer listed in the directory: Acme Biologics" in response.content.decode()
    rfi.refresh_from_db()
    assert rfi.status == "draft" and OutboundMessage.objects.count() == 0


@override_settings(RFI_SENDS_PER_WINDOW=2, RFI_SEND_WINDOW_HOURS=24)
def test_sending_is_rate_limited_with_a_clear_message(client, parties):
    client.force_login(parties["buyer"])
    drafts = [make_request(parties["buyer"], [parties["acme"]], sent=False) for _ in range(3)]
    for rfi in drafts[:2]:
        client.post(f"/requests/{rfi.pk}/send/")
    response = client.post(f"/requests/{drafts[2].pk}/send/", follow=True)
    page = response.content.decode()
    assert "You can send 2 requests in 24 hours, and you have." in page
    assert "stays here as a draft" in page
    drafts[2].refresh_from_db()
    assert drafts[2].status == "draft"
    assert OutboundMessage.objects.count() == 4  # two users of Acme, twice
    # Another buyer has a limit of their own.
    client.force_login(parties["other_buyer"])
    theirs = make_request(parties["other_buyer"], [parties["bolt"]], sent=False)
    client.post(f"/requests/{theirs.pk}/send/")
    theirs.refresh_from_db()
    assert theirs.status == "sent"


@override_settings(RFI_SENDS_PER_WINDOW=1, RFI_SEND_WINDOW_HOURS=24)
def test_the_limit_frees_up_after_the_window(client, parties):
    client.force_login(parties["buyer"])
    old = make_request(parties["buyer"], [parties["acme"]])
    InformationRequest.objects.filter(pk=old.pk).update(
        sent_at=timezone.now() - datetime.timedelta(hours=25)
    )
    draft = make_request(parties["buyer"], [parties["acme"]], sent=False)
    client.post(f"/requests/{draft.pk}/send/")
    draft.refresh_from_db()
    assert draft.status == "sent"


def submit_answer(recipient, **fields):
    values = {
        "capacity": "Two 2000 L lines, start in March",
        "modality_experience": "40 antibodies since 2010",
        "inspections": "FDA PAI 2025, NAI",
        "price_range": "EUR 1.2-1.6 M",
        "risks": "Titre below 2 g/L",
        "answers": ["Yes, through our Osaka partner"],
    }
    values.update(fields)
    now = timezone.now()
    answer = Answer.objects.create(recipient=recipient, submitted_at=now, **values)
    recipient.response = "answered"
    recipient.responded_at = now
    recipient.save()
    return answer


def test_compare_shows_submitted_answers_side_by_side_and_never_drafts(
    client, parties, sent_request
):
    acme = sent_request.recipients.get(provider=parties["acme"])
    bolt = sent_request.recipients.get(provider=parties["bolt"])
    submit_answer(acme)
    Answer.objects.create(recipient=bolt, capacity="DRAFT-ONLY capacity text")
    client.force_login(parties["buyer"])
    page = client.get(f"/requests/{sent_request.pk}/compare/").content.decode()
    assert "Two 2000 L lines, start in March" in page
    assert "Yes, through our Osaka partner" in page and "Can you ship to Japan?" in page
    assert "DRAFT-ONLY" not in page
    assert "Not opened yet" in page  # Bolt
    assert page.index("Acme Biologics") < page.index("Bolt Chemistry")


def test_rows_that_differ_are_marked(client, parties, sent_request):
    acme = sent_request.recipients.get(provider=parties["acme"])
    bolt = sent_request.recipients.get(provider=parties["bolt"])
    submit_answer(acme)
    submit_answer(bolt, price_range="USD 900k")
    client.force_login(parties["buyer"])
    page = client.get(f"/requests/{sent_request.pk}/compare/").content.decode()
    price_row = page[page.index("Indicative price range") - 40 : page.index("USD 900k")]
    assert 'class="differs"' in price_row
    capacity_row = page[page.index(">Capacity and earliest start") - 40 :]
    capacity_row = capacity_row[: capacity_row.index("</tr>")]
    assert "differs" not in capacity_row


def test_export_writes_every_answer_to_xlsx(client, parties, sent_request):
    acme = sent_request.recipients.get(provider=parties["acme"])
    submit_answer(acme, risks='=HYPERLINK("http://evil")')
    bolt = sent_request.recipients.get(provider=parties["bolt"])
    bolt.response, bolt.responded_at = "declined", timezone.now()
    bolt.decline_reason, bolt.decline_text = "no-capacity", "Full until 2028"
    bolt.save()
    client.force_login(parties["buyer"])
    response = client.get(f"/requests/{sent_request.pk}/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:4] == ["Provider", "Answer", "Your decision", "Capacity and earliest start"]
    assert rows[0][-2] == "Can you ship to Japan?"
    assert rows[1][0] == "Acme Biologics" and rows[1][3] == "Two 2000 L lines, start in March"
    assert rows[1][7] == '\'=HYPERLINK("http://evil")'  # never a formula
    assert rows[2][0] == "Bolt Chemistry"
    assert rows[2][1] == "Declined: No capacity (Full until 2028)"


def test_the_buyer_marks_providers_advancing_or_declined(client, parties, sent_request):
    acme = sent_request.recipients.get(provider=parties["acme"])
    submit_answer(acme)
    client.force_login(parties["buyer"])
    url = f"/requests/{sent_request.pk}/providers/{acme.pk}/decision/"
    response = client.post(url, {"decision": "advancing"})
    assert response["Location"] == f"/requests/{sent_request.pk}/compare/#provider-{acme.pk}"
    acme.refresh_from_db()
    assert acme.decision == "advancing" and acme.decided_at is not None
    client.post(url, {"decision": "declined"})
    client.post(url, {"decision": "nonsense"})
    acme.refresh_from_db()
    assert acme.decision == "declined"
    kinds = list(sent_request.events.values_list("kind", flat=True))
    assert kinds == ["created", "advancing", "rejected"]
    page = client.get(f"/requests/{sent_request.pk}/").content.decode()
    assert "Marked advancing by the buyer: Acme Biologics" in page
    assert "Marked declined by the buyer: Acme Biologics" in page


def test_a_draft_has_no_comparison_and_no_decisions(client, parties):
    rfi = make_request(parties["buyer"], [parties["acme"]], sent=False)
    client.force_login(parties["buyer"])
    assert client.get(f"/requests/{rfi.pk}/compare/").status_code == 404
    assert client.get(f"/requests/{rfi.pk}/export.xlsx").status_code == 404
    item = rfi.recipients.get()
    client.post(f"/requests/{rfi.pk}/providers/{item.pk}/decision/", {"decision": "advancing"})
    item.refresh_from_db()
    assert item.decision == ""


def test_deleting_a_draft(client, parties):
    rfi = make_request(parties["buyer"], [parties["acme"]], sent=False)
    client.force_login(parties["buyer"])
    response = client.post(f"/requests/{rfi.pk}/delete/")
    assert response["Location"] == "/requests/"
    assert not InformationRequest.objects.filter(pk=rfi.pk).exists()


def test_the_request_list_shows_only_the_buyers_own(client, parties, sent_request):
    make_request(parties["other_buyer"], [parties["acme"]], title="Someone else's")
    client.force_login(parties["buyer"])
    page = client.get("/requests/").content.decode()
    assert "mAb Phase I supply" in page and "Someone else" not in page


def test_the_audit_trail_records_each_event_in_order(client, parties, sent_request):
    acme = sent_request.recipients.get(provider=parties["acme"])
    client.force_login(parties["acme_rep"])
    client.get(f"/inbox/{acme.pk}/")
    client.get(f"/inbox/{acme.pk}/")  # opened once only
    bolt = sent_request.recipients.get(provider=parties["bolt"])
    client.force_login(parties["bolt_rep"])
    client.post(f"/inbox/{bolt.pk}/decline/", {"reason": "not-a-fit"})
    client.force_login(parties["buyer"])
    kinds = list(Event.objects.filter(request=sent_request).values_list("kind", flat=True))
    assert kinds == ["created", "opened", "declined"]
    page = client.get(f"/requests/{sent_request.pk}/").content.decode()
    assert "Opened: Acme Biologics" in page and "Declined: Bolt Chemistry (Not a fit)" in page


def test_compare_and_inbox_run_a_fixed_number_of_queries(client, parties):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counts(size: int) -> tuple[int, int]:
        providers = [make_provider(f"Q{size}-{n}", slug=f"q{size}-{n}") for n in range(size)]
        rfi = make_request(parties["buyer"], providers)
        for item in rfi.recipients.all():
            submit_answer(item)
        from providers.accounts.models import ProviderMembership

        for provider in providers:
            ProviderMembership.objects.create(user=parties["stranger"], provider=provider)
        client.force_login(parties["buyer"])
        with CaptureQueriesContext(connection) as compare_queries:
            assert client.get(f"/requests/{rfi.pk}/compare/").status_code == 200
        client.force_login(parties["stranger"])
        with CaptureQueriesContext(connection) as inbox_queries:
            assert client.get("/inbox/").status_code == 200
        return len(compare_queries), len(inbox_queries)

    assert counts(2) == counts(6)


def test_a_refused_edit_changes_nothing_and_names_the_saved_draft(client, parties):
    client.force_login(parties["buyer"])
    shortlist(client, parties["acme"])
    rfi = make_request(parties["buyer"], [parties["acme"]], sent=False)
    response = client.post(f"/requests/{rfi.pk}/edit/", form_data([parties["acme"]], title=""))
    page = response.content.decode()
    assert response.status_code == 200 and "This field is required." in page
    assert "Edit “mAb Phase I supply”" in page
    rfi.refresh_from_db()
    assert rfi.title == "mAb Phase I supply"
