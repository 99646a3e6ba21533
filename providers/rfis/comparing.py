"""The buyer's side-by-side view of the answers and its XLSX export: one column (or row)
per addressed provider, one row (or column) per question, in the style of the directory's
compare page. Only submitted answers are shown; drafts stay with the provider."""

from providers.rfis.models import GRID, Answer, InformationRequest, Recipient
from providers.spreadsheets import safe_cell


def recipients(rfi: InformationRequest) -> list[Recipient]:
    """Addressed providers with their submitted answer (``submitted``, or None)."""
    items = list(
        rfi.recipients.select_related("provider")
        .prefetch_related("attachments")
        .order_by("provider__name")
    )
    answers = {
        answer.recipient_id: answer
        for answer in Answer.objects.filter(recipient__request=rfi, submitted_at__isnull=False)
    }
    for item in items:
        item.submitted = answers.get(item.pk)
    return items


def _status(item: Recipient) -> str:
    if item.response == Recipient.Response.DECLINED:
        text = f"Declined: {item.get_decline_reason_display()}"
        return f"{text} ({item.decline_text})" if item.decline_text else text
    if item.response == Recipient.Response.ANSWERED:
        return f"Answered {item.responded_at:%d %b %Y}"
    return "Opened, no answer yet" if item.opened_at else "Not opened yet"


def questions(rfi: InformationRequest) -> list[tuple[str, str]]:
    """(heading, question) for every question, the grid first."""
    return [("Common grid", question) for _field, question in GRID] + [
        ("Your questions", question) for question in rfi.questions
    ]


def cells(rfi: InformationRequest, item: Recipient) -> list[str]:
    if item.submitted is None:
        return ["" for _ in questions(rfi)]
    return answer_cells(rfi, item.submitted)


def answer_cells(rfi: InformationRequest, answer: Answer) -> list[str]:
    """The answer to every question of ``questions(rfi)``, in order."""
    own = list(answer.answers) + [""] * len(rfi.questions)
    return [getattr(answer, field) for field, _q in GRID] + own[: len(rfi.questions)]


def table(rfi: InformationRequest, items: list[Recipient]) -> list[dict]:
    """Sections of rows, each row one question with a cell per provider."""
    per_provider = [cells(rfi, item) for item in items]
    sections: list[dict] = [
        {
            "title": "Status",
            "rows": [
                {
                    "label": "Answer",
                    "cells": [_status(item) for item in items],
                    "differs": False,
                }
            ],
        }
    ]
    for number, (heading, question) in enumerate(questions(rfi)):
        if sections[-1]["title"] != heading:
            sections.append({"title": heading, "rows": []})
        values = [column[number] for column in per_provider]
        answered = [value for value in values if value]
        sections[-1]["rows"].append(
            {
                "label": question,
                "cells": values,
                "differs": len(answered) > 1 and len(set(answered)) > 1,
            }
        )
    return sections


def export_rows(rfi: InformationRequest, items: list[Recipient]):
    """Header, rows and column widths of the answers sheet: one row per provider."""
    asked = questions(rfi)
    header = [
        "Provider",
        "Answer",
        "Your decision",
        *[question for _heading, question in asked],
        "Submitted at (UTC)",
    ]
    rows = []
    for item in items:
        submitted = item.submitted.submitted_at if item.submitted else None
        rows.append(
            [
                safe_cell(item.provider.name),
                safe_cell(_status(item)),
                safe_cell(item.get_decision_display() if item.decision else ""),
                *[safe_cell(value) for value in cells(rfi, item)],
                safe_cell(f"{submitted:%Y-%m-%d %H:%M}" if submitted else ""),
            ]
        )
    widths = (30, 30, 16, *[40 for _ in asked], 18)
    return header, rows, widths
