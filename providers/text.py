"""What people type into search boxes, made safe and split into words: shared by the
buyer's search and the curator's admin search."""

import re
import unicodedata

MAX_QUERY_LENGTH = 200
MAX_WORDS = 8
WORD = re.compile(r"[^\W_]+", re.UNICODE)
# A number written in groups ("12-345-6789", "300 479 5989"): regulator identifiers
# (DUNS, FEI) are searched as the one number they are.
GROUPED_NUMBER = re.compile(r"[0-9]+(?:[\s.\-]+[0-9]+)+")


def normalise(text: str) -> str:
    """What the buyer typed, made safe: printable, single-spaced, bounded."""
    cleaned = "".join(
        " " if unicodedata.category(char).startswith(("C", "Z")) else char for char in text
    )
    return " ".join(cleaned.split())[:MAX_QUERY_LENGTH]


def words(text: str) -> list[str]:
    """The words of a query, at most ``MAX_WORDS``."""
    return document_words(text)[:MAX_WORDS]


def document_words(text: str) -> list[str]:
    """Every word of a text, split as a query is (the directory's word index uses it)."""
    text = GROUPED_NUMBER.sub(_joined_digits, text)
    return WORD.findall(text.lower())


def _joined_digits(found: re.Match) -> str:
    """Digits in groups become one number when they make an identifier's length (7 or more
    digits); shorter groups ("phase 1 2") stay separate words."""
    digits = re.sub(r"[^0-9]", "", found.group(0))
    return digits if len(digits) >= 7 else found.group(0)
