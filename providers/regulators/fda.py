"""The FDA Data Dashboard's inspection classifications: reading, checking, planning and
writing an import (docs/regulator-data.md).

Two shapes are read: the dashboard's spreadsheet export (CSV or XLSX, headings such as
"FEI Number", "Inspection End Date", "Classification") and its API's JSON (field names
such as ``FEINumber``, ``InspectionEndDate``, ``ClassificationCode``). A heading and a
field name are the same column when they agree letter for letter once case, spaces and
punctuation are ignored ("FEI Number" and ``FEINumber``); other columns are ignored.

Rows attach to sites by FEI number (a site's ``fei`` identity). The dashboard lists an
inspection once per project area; rows sharing an Inspection ID become one inspection
whose scope names every product type and project area and whose outcome is the most
serious classification. Rows whose FEI is on no site wait as ``UnmatchedInspection`` for
a curator to confirm the site (``matching``); nothing is attached by a name alone.

Re-importing a file changes nothing: an inspection is found again by its Inspection ID,
or, without one, by FEI, end date and project area. The whole file is checked before
anything is written; a file with any problem writes nothing.
"""

from __future__ import annotations

import datetime
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django_countries import countries
from simple_history.utils import bulk_update_with_history

from providers.bulk import copy_with_history, next_ids
from providers.changes import change
from providers.derived import refresh_inspection_summary
from providers.evidence import EVIDENCE_TARGETS, Evidence, EvidenceKind
from providers.interchange.format import InterchangeError
from providers.interchange.limits import Limits
from providers.interchange.reading import read_table
from providers.regulatory import (
    Authority,
    IdentityScheme,
    Inspection,
    Outcome,
    SiteIdentity,
    UnmatchedInspection,
    identifier_problem,
    normalise_identifier,
)

# Column key (lower case, letters and digits only) -> field of a row. Both the
# spreadsheet's headings and the API's field names reduce to these keys.
COLUMNS = {
    "feinumber": "fei",
    "legalname": "legal_name",
    "city": "city",
    "state": "state",
    "countryarea": "country_name",
    "countryname": "country_name",
    "countrycode": "country_code",
    "fiscalyear": "fiscal_year",
    "inspectionid": "inspection_id",
    "postedcitations": "citations_posted",
    "inspectionenddate": "end_date",
    "classification": "classification",
    "classificationcode": "classification",
    "projectarea": "project_area",
    "programarea": "project_area",
    "producttype": "product_type",
}
REQUIRED = {
    "fei": "FEI Number",
    "end_date": "Inspection End Date",
    "classification": "Classification",
}
SCOPE_MAX = Inspection._meta.get_field("project_area").max_length
TEXT_MAX = {"legal_name": 300, "city": 100, "state": 100, "country_name": 100}
CLASSIFICATIONS = {
    "nai": Outcome.NAI.value,
    "noactionindicated": Outcome.NAI.value,
    "noactionindicatednai": Outcome.NAI.value,
    "vai": Outcome.VAI.value,
    "voluntaryactionindicated": Outcome.VAI.value,
    "voluntaryactionindicatedvai": Outcome.VAI.value,
    "oai": Outcome.OAI.value,
    "officialactionindicated": Outcome.OAI.value,
    "officialactionindicatedoai": Outcome.OAI.value,
}
SEVERITY = {Outcome.NAI.value: 0, Outcome.VAI.value: 1, Outcome.OAI.value: 2}
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%d-%b-%Y", "%b %d, %Y")
EXCEL_EPOCH = datetime.date(1899, 12, 30)
# The fields an import writes; a curator's links (source_url) and warning letters stay.
UPDATED_FIELDS = [
    "site",
    "end_date",
    "fiscal_year",
    "outcome",
    "product_type",
    "project_area",
    "citations_posted",
]
WAITING_FIELDS = [
    "fei",
    "legal_name",
    "city",
    "state",
    "country_name",
    "country",
    "fda_inspection_id",
    "end_date",
    "fiscal_year",
    "outcome",
    "product_type",
    "project_area",
    "citations_posted",
]
# The API's JSON is read whole; a file larger than this is refused.
MAX_JSON_BYTES = 256 * 1024 * 1024


def column_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


@dataclass
class Problem:
    row: int
    column: str
    message: str
    value: str = ""


@dataclass
class FdaRecord:
    """One inspection as the file gives it (rows sharing an Inspection ID merged)."""

    row: int
    fei: str
    end_date: datetime.date
    outcome: str
    legal_name: str = ""
    city: str = ""
    state: str = ""
    country_name: str = ""
    country: str = ""
    fiscal_year: int | None = None
    inspection_id: int | None = None
    citations_posted: bool = False
    product_types: list[str] = field(default_factory=list)
    project_areas: list[str] = field(default_factory=list)

    @property
    def product_type(self) -> str:
        return _bounded("; ".join(self.product_types))

    @property
    def project_area(self) -> str:
        return _bounded("; ".join(self.project_areas))

    def merge(self, other: FdaRecord) -> None:
        if SEVERITY[other.outcome] > SEVERITY[self.outcome]:
            self.outcome = other.outcome
        self.citations_posted = self.citations_posted or other.citations_posted
        for mine, theirs in (
            (self.product_types, other.product_types),
            (self.project_areas, other.project_areas),
        ):
            mine.extend(value for value in theirs if value not in mine)


def _bounded(text: str) -> str:
    return text if len(text) <= SCOPE_MAX else text[: SCOPE_MAX - 1] + "…"


@dataclass
class FdaPlan:
    filename: str
    records: list[FdaRecord] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    # (record, site id) of each inspection to create: plain values, written with COPY.
    create: list[tuple[FdaRecord, int]] = field(default_factory=list)
    update: list[Inspection] = field(default_factory=list)
    unchanged: int = 0
    waiting_create: list[UnmatchedInspection] = field(default_factory=list)
    waiting_update: list[UnmatchedInspection] = field(default_factory=list)
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        return not (self.errors or self.file_errors)

    @property
    def rows_with_errors(self) -> int:
        return len({problem.row for problem in self.errors})

    @property
    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows_read,
            "inspections": len(self.records),
            "create": len(self.create),
            "update": len(self.update),
            "unchanged": self.unchanged,
            "unmatched": len(self.waiting_create) + len(self.waiting_update),
        }

    @property
    def unmatched_feis(self) -> int:
        return len({row.fei for row in (*self.waiting_create, *self.waiting_update)})


# --------------------------------------------------------------------------- reading


def read_rows(data: bytes, filename: str) -> tuple[dict[str, str], list]:
    """The file's column names (field -> name as written) and its rows as (row number,
    {column key: text}); raises InterchangeError."""
    if filename.lower().endswith(".json"):
        rows = _read_json(data)
        names: dict[str, str] = {}
        for _, record in rows:
            for written in record.pop("_names", ()):
                names.setdefault(COLUMNS.get(column_key(written), ""), written)
        return names, rows
    table = read_table(data, filename)
    keys = [column_key(name) for name in table.header]
    names = {}
    for written, key in zip(table.header, keys, strict=True):
        names.setdefault(COLUMNS.get(key, ""), written)
    return names, [
        (number, {key: (cells[i] if i < len(cells) else "") for i, key in enumerate(keys)})
        for number, cells in table.rows
    ]


def _read_json(data: bytes) -> list[tuple[int, dict[str, str]]]:
    if len(data) > MAX_JSON_BYTES:
        raise InterchangeError(
            f"The file is {len(data) / 1_048_576:.1f} MB; JSON files up to "
            f"{MAX_JSON_BYTES / 1_048_576:.0f} MB are read. Split it."
        )
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InterchangeError("The file is not UTF-8 text, so it is not the API's JSON.") from None
    except json.JSONDecodeError as error:
        raise InterchangeError(
            f"The file is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None
    if isinstance(parsed, dict):
        for name in ("result", "results", "data"):
            if isinstance(parsed.get(name), list):
                parsed = parsed[name]
                break
    if not isinstance(parsed, list):
        raise InterchangeError(
            'The JSON holds no list of records: give the API\'s answer (with its "result" '
            "list) or a list of records."
        )
    limits = Limits.from_settings()
    if len(parsed) > limits.max_rows:
        raise InterchangeError(
            f"The file has {len(parsed):,} records; at most {limits.max_rows:,} are read from "
            "one file. Split it, or ask an administrator to raise IMPORT_MAX_ROWS."
        )
    rows = []
    for number, record in enumerate(parsed, start=1):
        if not isinstance(record, dict):
            raise InterchangeError(f"Record {number} is not an object of named fields.")
        values = {
            column_key(name): "" if value is None else str(value)
            for name, value in record.items()
            if not isinstance(value, dict | list)
        }
        values["_names"] = list(record)
        rows.append((number, values))
    return rows


# --------------------------------------------------------------------------- checking


# Names the FDA writes that differ from the ISO short names.
COUNTRY_ALIASES = {
    "united states": "US",
    "usa": "US",
    "united kingdom": "GB",
    "korea (the republic of)": "KR",
    "korea, republic of": "KR",
    "south korea": "KR",
    "taiwan": "TW",
    "russia": "RU",
    "vietnam": "VN",
    "czech republic": "CZ",
    "netherlands (the)": "NL",
    "türkiye": "TR",
    "turkey": "TR",
}


@functools.lru_cache(maxsize=1024)
def _country_code(name: str, code: str) -> str:
    code = code.strip().upper()
    if len(code) == 2 and countries.name(code):
        return code
    if len(code) == 3:
        found = countries.alpha2(code)
        if found:
            return found
    name = " ".join(name.split())
    if not name:
        return ""
    return COUNTRY_ALIASES.get(name.lower()) or countries.by_name(name) or ""


# An export repeats a few thousand dates and three classifications over 100,000 rows:
# each is parsed once.
@functools.lru_cache(maxsize=8192)
def parse_date(text: str) -> datetime.date | None:
    text = text.strip()
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]+Z?", text):
        text = text[:10]
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    # An XLSX date cell is read as its serial number.
    if re.fullmatch(r"[0-9]{5}(\.0+)?", text):
        return EXCEL_EPOCH + datetime.timedelta(days=int(float(text)))
    return None


FIELDS = tuple(dict.fromkeys(COLUMNS.values()))
FEI = IdentityScheme.FEI.value


@functools.lru_cache(maxsize=256)
def _classification(text: str) -> str | None:
    return CLASSIFICATIONS.get(column_key(text))


def check_row(number: int, raw: dict[str, str], headings: dict[str, str]) -> FdaRecord | list:
    """A checked record, or the list of problems with the row."""
    values = dict.fromkeys(FIELDS, "")
    for key, text in raw.items():
        name = COLUMNS.get(key)
        if name and text.strip() and not values[name]:
            values[name] = " ".join(text.split())
    problems = []

    def fail(name: str, message: str) -> None:
        problems.append(Problem(number, headings.get(name, name), message, values[name][:80]))

    fei = normalise_identifier(FEI, values["fei"])
    if not fei:
        fail("fei", "The FEI number is missing.")
    elif identifier_problem(FEI, fei):
        fail("fei", "An FEI number is 7 to 10 digits.")
    end_date = parse_date(values["end_date"]) if values["end_date"] else None
    if not values["end_date"]:
        fail("end_date", "The inspection end date is missing.")
    elif end_date is None:
        fail("end_date", "Not a date; write it as YYYY-MM-DD (or MM/DD/YYYY).")
    elif end_date > datetime.date.today():
        fail("end_date", "The inspection end date is in the future.")
    outcome = _classification(values["classification"])
    if not values["classification"]:
        fail("classification", "The classification is missing (NAI, VAI or OAI).")
    elif outcome is None:
        fail("classification", "Not a classification; expected NAI, VAI or OAI.")
    inspection_id = None
    if values["inspection_id"]:
        if re.fullmatch(r"[0-9]{1,9}", values["inspection_id"]):
            inspection_id = int(values["inspection_id"])
        else:
            fail("inspection_id", "An Inspection ID is a whole number.")
    fiscal_year = None
    if values["fiscal_year"]:
        if re.fullmatch(r"(19|20|21)[0-9]{2}", values["fiscal_year"]):
            fiscal_year = int(values["fiscal_year"])
        else:
            fail("fiscal_year", "A fiscal year is a year such as 2024.")
    citations = values["citations_posted"].lower()
    if citations not in YES | NO:
        fail("citations_posted", "Write Yes or No.")
    for name, most in TEXT_MAX.items():
        if len(values[name]) > most:
            fail(name, f"At most {most} characters.")
    if problems:
        return problems
    return FdaRecord(
        row=number,
        fei=fei,
        end_date=end_date,
        outcome=outcome,
        legal_name=values["legal_name"],
        city=values["city"],
        state=values["state"],
        country_name=values["country_name"],
        country=_country_code(values["country_name"], values["country_code"]),
        fiscal_year=fiscal_year,
        inspection_id=inspection_id,
        citations_posted=citations in YES,
        product_types=[values["product_type"]] if values["product_type"] else [],
        project_areas=[values["project_area"]] if values["project_area"] else [],
    )


def record_key(record) -> tuple:
    """How an inspection is found again: its Inspection ID, else its FEI and end date (the
    dashboard lists one inspection once per project area, each row with the same end date;
    a site has one inspection by an authority ending on a day without an ID)."""
    inspection_id = getattr(record, "inspection_id", None) or getattr(
        record, "fda_inspection_id", None
    )
    if inspection_id:
        return ("id", inspection_id)
    return ("fei", record.fei, record.end_date)


def check_rows(
    plan: FdaPlan, names: dict[str, str], rows: list, progress: Callable[[int], None] | None
) -> None:
    if not rows:
        plan.file_errors.append("The file holds no inspections.")
        return
    present = set().union(*(raw.keys() for _, raw in rows[:50]))
    headings = {**REQUIRED, **names}
    missing = [
        label
        for name, label in REQUIRED.items()
        if not any(COLUMNS.get(key) == name for key in present)
    ]
    if missing:
        plan.file_errors.append(
            f"The file has no {', '.join(missing)} column; is it the FDA Data Dashboard's "
            "inspection classification export? See docs/regulator-data.md."
        )
        return
    merged: dict[tuple, FdaRecord] = {}
    for done, (number, raw) in enumerate(rows, start=1):
        checked = check_row(number, raw, headings)
        if isinstance(checked, list):
            plan.errors.extend(checked)
        else:
            key = record_key(checked)
            earlier = merged.get(key)
            if earlier is None:
                merged[key] = checked
            elif earlier.fei != checked.fei:
                plan.errors.append(
                    Problem(
                        number,
                        "Inspection ID",
                        f"Inspection {checked.inspection_id} is given for FEI {earlier.fei} "
                        f"in row {earlier.row} and for FEI {checked.fei} here.",
                        str(checked.inspection_id),
                    )
                )
            else:
                earlier.merge(checked)
        if progress and done % 1000 == 0:
            progress(1000)
    if progress:
        progress(len(rows) % 1000)
    plan.rows_read = len(rows)
    plan.records = list(merged.values())


# --------------------------------------------------------------------------- planning


def plan_fda_import(
    data: bytes, filename: str, progress: Callable[[int], None] | None = None
) -> FdaPlan:
    """Check the whole file and say what importing it would do; writes nothing."""
    plan = FdaPlan(filename=filename)
    try:
        names, rows = read_rows(data, filename)
    except InterchangeError as error:
        plan.file_errors.append(str(error))
        return plan
    check_rows(plan, names, rows, progress)
    if plan.ok:
        _plan_writes(plan)
    return plan


def _fetch(model, where: str, params: list) -> list[dict]:
    """Rows of ``model`` as dicts of its columns (attnames): at 100,000 rows, plain rows
    and array parameters cost a fraction of model instances and IN lists."""
    columns = [field.attname for field in model._meta.concrete_fields]
    sql = f"SELECT {', '.join(columns)} FROM {model._meta.db_table} WHERE {where}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _plan_writes(plan: FdaPlan) -> None:
    records = plan.records
    feis = sorted({record.fei for record in records})
    ids = [record.inspection_id for record in records if record.inspection_id]
    site_of = {
        row["value"]: row["site_id"]
        for row in _fetch(
            SiteIdentity, "scheme = %s AND value = ANY(%s)", [IdentityScheme.FEI.value, feis]
        )
    }
    fei_of_site = {site: fei for fei, site in site_of.items()}
    by_id = {
        row["fda_inspection_id"]: row
        for row in _fetch(Inspection, "fda_inspection_id = ANY(%s)", [ids])
    }
    by_place = {}
    for row in _fetch(
        Inspection,
        "authority = %s AND fda_inspection_id IS NULL AND site_id = ANY(%s)",
        [Authority.FDA.value, list(site_of.values())],
    ):
        by_place[("fei", fei_of_site.get(row["site_id"]), row["end_date"])] = row
    waiting_by_id = {
        row["fda_inspection_id"]: row
        for row in _fetch(UnmatchedInspection, "fda_inspection_id = ANY(%s)", [ids])
    }
    waiting_by_place = {
        ("fei", row["fei"], row["end_date"]): row
        for row in _fetch(
            UnmatchedInspection, "fda_inspection_id IS NULL AND fei = ANY(%s)", [feis]
        )
    }
    for record in records:
        key = record_key(record)
        existing = by_id.get(record.inspection_id) if record.inspection_id else by_place.get(key)
        site_id = site_of.get(record.fei)
        if existing is not None:
            wanted = _inspection_values(record, site_id or existing["site_id"])
            if all(existing[name] == value for name, value in wanted.items()):
                plan.unchanged += 1
            else:
                plan.update.append(Inspection(**{**existing, **wanted}))
        elif site_id is not None:
            plan.create.append((record, site_id))
        else:
            waiting = (
                waiting_by_id.get(record.inspection_id)
                if record.inspection_id
                else waiting_by_place.get(key)
            )
            values = _waiting_values(record)
            if waiting is None:
                plan.waiting_create.append(UnmatchedInspection(**values))
            elif any(waiting[name] != value for name, value in values.items()):
                plan.waiting_update.append(UnmatchedInspection(**{**waiting, **values}))
            else:
                plan.unchanged += 1


def _inspection_values(record: FdaRecord, site_id: int) -> dict:
    return {
        "site_id": site_id,
        "end_date": record.end_date,
        "fiscal_year": record.fiscal_year,
        "outcome": record.outcome,
        "product_type": record.product_type,
        "project_area": record.project_area,
        "citations_posted": record.citations_posted,
    }


def _waiting_values(record: FdaRecord) -> dict:
    return {
        "fei": record.fei,
        "legal_name": record.legal_name,
        "city": record.city,
        "state": record.state,
        "country_name": record.country_name,
        "country": record.country,
        "fda_inspection_id": record.inspection_id,
        "end_date": record.end_date,
        "fiscal_year": record.fiscal_year,
        "outcome": record.outcome,
        "product_type": record.product_type,
        "project_area": record.project_area,
        "citations_posted": record.citations_posted,
    }


# --------------------------------------------------------------------------- writing

BATCH = 2000


def apply_fda_plan(
    plan: FdaPlan, user=None, reason: str = "", progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Write a checked plan in one transaction (all or nothing); return its counts.

    New inspections, each with one evidence item (the dashboard, seen today), and their
    history rows are written with COPY (``providers.bulk``); updates through the ORM with
    their history."""
    if not plan.ok:
        raise ValueError("A plan with problems cannot be written.")
    reason = reason or f"Imported FDA inspections from {plan.filename}"
    user_id = getattr(user, "pk", None)
    with transaction.atomic(), change() as change_id:
        when = timezone.now()
        history = {"user_id": user_id, "reason": reason, "change_id": change_id, "when": when}
        site_ids = {site_id for _, site_id in plan.create} | {row.site_id for row in plan.update}
        owners = dict(_fetch_pairs("SELECT id, provider_id FROM providers_site", site_ids))
        for start in range(0, len(plan.create), BATCH):
            chunk = plan.create[start : start + BATCH]
            inspections = _new_inspections(chunk)
            copy_with_history(Inspection, inspections, **history)
            evidence = [
                dashboard_evidence(row, record.fei, owners[row["site_id"]], user_id, when)
                for row, (record, _) in zip(inspections, chunk, strict=True)
            ]
            for row, item_id in zip(
                evidence, next_ids("providers_evidence", len(evidence)), strict=True
            ):
                row["id"] = item_id
            copy_with_history(Evidence, evidence, **history)
            if progress:
                progress(len(chunk))
        for start in range(0, len(plan.update), BATCH):
            chunk = plan.update[start : start + BATCH]
            bulk_update_with_history(
                chunk,
                Inspection,
                UPDATED_FIELDS,
                batch_size=BATCH,
                default_user=user,
                default_change_reason=reason,
                custom_historical_attrs={"change_id": change_id},
            )
            if progress:
                progress(len(chunk))
        UnmatchedInspection.objects.bulk_create(plan.waiting_create, batch_size=BATCH)
        if plan.waiting_update:
            UnmatchedInspection.objects.bulk_update(
                plan.waiting_update, WAITING_FIELDS, batch_size=BATCH
            )
        if site_ids:
            # Inspections change only the inspection columns and the claim counts: not the
            # whole refresh.
            refresh_inspection_summary(set(owners.values()))
    return plan.counts


def _fetch_pairs(sql: str, ids) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql + " WHERE id = ANY(%s)", [list(ids)])
        return cursor.fetchall()


def _new_inspections(chunk: list[tuple[FdaRecord, int]]) -> list[dict]:
    """Rows of new FDA inspections, by attname, with ids from the sequence."""
    ids = next_ids(Inspection._meta.db_table, len(chunk))
    return [
        {
            "id": pk,
            "authority": Authority.FDA.value,
            "authority_name": "",
            "outcome_text": "",
            "warning_letter": False,
            "source_url": "",
            "fda_inspection_id": record.inspection_id,
            **_inspection_values(record, site_id),
        }
        for pk, (record, site_id) in zip(ids, chunk, strict=True)
    ]


# Where a buyer can look an FDA inspection classification up.
DASHBOARD_URL = (
    "https://www.fda.gov/inspections-compliance-enforcement-and-criminal-investigations/"
    "inspection-classification-database"
)


def dashboard_evidence(
    inspection: dict, fei: str, owner_id: int, user_id: int | None, when
) -> dict:
    """The evidence item of an inspection read from the FDA Data Dashboard: a regulator's
    record, seen on the day of the import (no ``id`` yet)."""
    named = (
        f"inspection {inspection['fda_inspection_id']}"
        if inspection["fda_inspection_id"]
        else f"inspection ending {inspection['end_date']:%Y-%m-%d}"
    )
    return {
        "owner_id": owner_id,
        **{f"{target}_id": None for target in EVIDENCE_TARGETS},
        "inspection_id": inspection["id"],
        "url": DASHBOARD_URL,
        "kind": EvidenceKind.REGULATOR.value,
        "title": f"FDA Data Dashboard: {named} of FEI {fei}",
        "seen_on": timezone.localdate(when),
        "quote": "",
        "recorded_by_id": user_id,
        "recorded_at": when,
    }
