"""What people type into search boxes, made safe and split into words: shared by the
buyer's search and the curator's admin search."""

import re
import unicodedata

MAX_QUERY_LENGTH = 200
MAX_WORDS = 8
WORD = re.compile(r"[^\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """What the buyer typed, made safe: printable, single-spaced, bounded."""
    cleaned = "".join(
        " " if unicodedata.category(char).startswith(("C", "Z")) else char for char in text
    )
    return " ".join(cleaned.split())[:MAX_QUERY_LENGTH]


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())[:MAX_WORDS]
