"""Validation of the directory's query string.

Every state of the directory is a link, so the query string comes from anywhere: old
bookmarks, hand-edited URLs, robots. Nothing here raises: unknown values are dropped
and reported back to the page as notices, everything else is bounded, and only the
cleaned values reach the index and the database.
"""

import copy
import re
import weakref
from dataclasses import dataclass, field

from django import forms

from providers.directory.index import FACETS, DirectoryIndex
from providers.text import MAX_QUERY_LENGTH, normalise, words

CAPABILITY_MODES = {"all": "All of them, one partner", "any": "Any of them"}
MAX_VALUES_PER_FILTER = 60
MAX_VALUE_LENGTH = 100
# "" is the default: best match when searching, otherwise alphabetical.
# "verified" is the key old links use; it orders by the most recent check by a person.
SORTS = {"": "Best match", "name": "Name (A to Z)", "verified": "Recently checked"}
# Trust filters: "only services with evidence" and how recently a person checked the record.
CHECKED_WITHIN = {
    "6": "Checked within 6 months",
    "12": "Within 12 months",
    "24": "Within 24 months",
}
FACET_LABELS = {
    "type": "provider type",
    "stage": "lifecycle stage",
    "phase": "phase",
    "capability": "capability",
    "modality": "modality",
    "industry": "industry",
    "region": "region",
    "country": "country",
    "certification": "certification",
    "inspection": "inspection record",
}


@dataclass
class DirectoryQuery:
    facets: dict[str, list[str]] = field(default_factory=dict)
    text: str = ""
    cover_from: int | None = None
    cover_to: int | None = None
    cover_slugs: tuple[str, str] | None = None
    sort: str = "name"  # what orders the results: relevance, name or verified
    sort_choice: str = ""  # what the buyer chose ("" for the default)
    capability_mode: str = "all"  # several capabilities: "all" (one partner) or "any"
    page: int = 1
    notices: list[str] = field(default_factory=list)
    evidence: bool = False  # only services backed by evidence
    checked_within: int | None = None  # months
    # Modalities the search text names as a whole ("monoclonal antibody", "mAbs"): asked for
    # as if chosen, so the range, stage, phase and place apply to a service for one of them.
    text_modalities: list[str] = field(default_factory=list)

    @property
    def has_filters(self) -> bool:
        return bool(
            self.text
            or any(self.facets.values())
            or self.cover_from
            or self.evidence
            or self.checked_within
        )


def printable(text: str) -> str:
    """Text safe to echo back in a notice: control characters shown as '?'."""
    return "".join(char if char.isprintable() else "?" for char in text)


class LenientMultipleChoiceField(forms.Field):
    """Keeps the known values (once each, in order); unknown ones are set aside, not fatal."""

    widget = forms.SelectMultiple

    def __init__(self, *, known: frozenset[str], upper: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.known = known
        self.upper = upper  # country codes: "us" means "US"

    def clean(self, value):
        values = value if isinstance(value, list | tuple) else [value] if value else []
        known = self.known
        kept: list[str] = []
        self.ignored: list[str] = []
        for raw in values[: MAX_VALUES_PER_FILTER * 2]:
            item = str(raw).strip()[:MAX_VALUE_LENGTH]
            if self.upper:
                item = item.upper()
            if item in known:
                if item not in kept:
                    kept.append(item)
            elif item:
                self.ignored.append(item)
        return kept[:MAX_VALUES_PER_FILTER]


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _term_key(text: str) -> str:
    return " ".join(_singular(word) for word in words(text))


def modality_terms(catalogue) -> dict[str, list[str]]:
    """What a buyer may type to name a modality (its name, the name before its brackets,
    the abbreviation in them, its slug; singular or plural) -> slugs. Synonyms are left
    out: many are shared with capabilities ("pesticide", "biologics") and mean more."""
    terms: dict[str, list[str]] = {}
    for row in catalogue.modalities.values():
        names = {row.name, row.slug.replace("-", " ")}
        if "(" in row.name:
            names |= {row.name.split("(")[0], row.name.split("(")[1].split(")")[0]}
        for name in names:
            key = _term_key(name)
            if key and row.slug not in terms.setdefault(key, []):
                terms[key].append(row.slug)
    return terms


def modalities_named(index: DirectoryIndex, text: str) -> list[str]:
    """The modalities the whole search text names, if it names one (else [])."""
    if not text:
        return []
    token, terms = _terms_cache.get("terms", (None, None))
    if token != index.token or terms is None:
        terms = modality_terms(index.catalogue)
        _terms_cache["terms"] = (index.token, terms)
    return list(terms.get(_term_key(text), []))


# The modality terms of the current index (its token says when the catalogue may have changed).
_terms_cache: dict[str, tuple] = {}


class LenientChoiceField(forms.ChoiceField):
    def clean(self, value):
        value = str(value or "").strip()[:MAX_VALUE_LENGTH]
        known = {str(key) for key, _label in self.choices}
        self.ignored = value if value and value not in known else ""
        return value if value in known else ""


def _fields_for(index: DirectoryIndex) -> dict[str, forms.Field]:
    found = _index_fields.get(index)
    if found is None:
        phases = [(phase.slug, phase.name) for phase in index.catalogue.phases]
        found = _index_fields[index] = {
            "q": forms.CharField(required=False, strip=False),
            "sort": LenientChoiceField(
                required=False, choices=[*SORTS.items(), ("relevance", "Best match")]
            ),
            "page": forms.CharField(required=False),
            "cover_from": LenientChoiceField(required=False, choices=phases),
            "cover_to": LenientChoiceField(required=False, choices=phases),
            "evidence": LenientChoiceField(
                required=False, choices=[("1", "Only services with evidence")]
            ),
            "checked": LenientChoiceField(required=False, choices=list(CHECKED_WITHIN.items())),
            "match": LenientChoiceField(required=False, choices=list(CAPABILITY_MODES.items())),
            **{
                facet: LenientMultipleChoiceField(
                    required=False, known=index.known(facet), upper=facet == "country"
                )
                for facet in FACETS
            },
        }
    return found


# The form fields of each index alive (a replaced index's go with it).
_index_fields: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class DirectoryForm(forms.BaseForm):
    """The directory's query string, cleaned leniently (see ``query``).

    Its fields depend on the index (the known options of each facet, the phases), so they
    are made once per index (``_fields_for``) and each form takes shallow copies: a field
    records the values it set aside on itself, and a copy keeps that to its request.
    Django's forms would deep-copy every field and widget per request instead, which cost
    as much as the rest of the query parsing."""

    base_fields: dict = {}

    def __init__(self, data, index: DirectoryIndex):
        super().__init__(data)
        self.index = index
        self.fields = {name: copy.copy(field) for name, field in _fields_for(index).items()}

    def query(self) -> DirectoryQuery:
        """The cleaned query; never fails."""
        self.is_valid()  # lenient fields never add errors; this fills cleaned_data
        data = self.cleaned_data
        notices: list[str] = []
        result = DirectoryQuery()

        raw_text = str(self.data.get("q", ""))
        result.text = normalise(raw_text)
        if len(" ".join(raw_text.split())) > MAX_QUERY_LENGTH:
            notices.append(f"The search text was cut to its first {MAX_QUERY_LENGTH} characters.")

        for facet in FACETS:
            result.facets[facet] = data.get(facet, [])
            ignored = getattr(self.fields[facet], "ignored", [])
            if ignored:
                shown = ", ".join(f"“{printable(value)[:40]}”" for value in ignored[:3])
                more = f" and {len(ignored) - 3} more" if len(ignored) > 3 else ""
                notices.append(
                    f"Ignored unknown {FACET_LABELS[facet]} {shown}{more}: it is not in the list."
                )

        phase_by_slug = self.index.catalogue.phase_by_slug
        first, last = data.get("cover_from"), data.get("cover_to")
        for name in ("cover_from", "cover_to"):
            if self.fields[name].ignored:
                notices.append(
                    f"Ignored unknown phase “{printable(self.fields[name].ignored)[:40]}”."
                )
        if first and last and phase_by_slug[first].track_id != phase_by_slug[last].track_id:
            notices.append(
                "Ignored the coverage range: its two ends lie on different industries' "
                "tracks, and a range runs along one."
            )
            first = last = ""
        if first or last:
            # A missing end is the start or the end of the chosen end's track.
            track_id = phase_by_slug[first or last].track_id
            phases = [p for p in self.index.catalogue.phases if p.track_id == track_id]
            start = phase_by_slug[first].position if first else phases[0].position
            end = phase_by_slug[last].position if last else phases[-1].position
            if start > end:
                start, end = end, start
                notices.append("The coverage range was reversed so that it runs forwards.")
            result.cover_from, result.cover_to = start, end
            by_position = self.index.catalogue.phase_by_position
            result.cover_slugs = (by_position[start].slug, by_position[end].slug)

        # A search naming a modality, with a range, stage, phase or place: those apply to a
        # service for the modality, as when it is ticked (not to unrelated services).
        placed = any(result.facets.get(f) for f in ("stage", "phase", "region", "country"))
        named = modalities_named(self.index, result.text) if placed or result.cover_from else []
        if named:
            result.text_modalities = named
            by_slug = {row.slug: row.name for row in self.index.catalogue.modalities.values()}
            labels = " or ".join(by_slug[slug] for slug in named)
            notices.append(
                f"“{printable(result.text)[:60]}” names the modality {labels}: the coverage "
                "range, stage, phase and place apply to a service for it, as when it is ticked."
            )

        result.evidence = data.get("evidence") == "1"
        if self.fields["evidence"].ignored:
            notices.append("Ignored an unknown value for “only services with evidence”.")
        if data.get("checked"):
            result.checked_within = int(data["checked"])
        if self.fields["checked"].ignored:
            notices.append("Ignored an unknown age of check: choose 6, 12 or 24 months.")
        result.capability_mode = data.get("match") or "all"
        if self.fields["match"].ignored:
            notices.append(
                f"Ignored “{printable(self.fields['match'].ignored)[:40]}” for how capabilities"
                " combine: it is “all” or “any”."
            )

        choice = data.get("sort") or ""
        if self.fields["sort"].ignored:
            notices.append("Ignored an unknown sort order.")
        if choice == "relevance":
            choice = ""
        result.sort_choice = choice
        result.sort = choice or ("relevance" if result.text else "name")

        page_text = str(self.data.get("page", "") or "").strip()
        if page_text:
            if re.fullmatch(r"[0-9]{1,6}", page_text) and int(page_text) >= 1:
                result.page = int(page_text)
            else:
                notices.append("Ignored a page number that is not a positive whole number.")
        result.notices = notices
        return result
