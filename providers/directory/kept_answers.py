"""Directory answers kept per index, with the request's own parts left open.

Buyers keep asking for the same addresses: the directory with no filter, "CDMO", the first
pages of popular capabilities, a facet ticked and unticked. Everything such an answer shows
depends on its address and the index (the data it was computed from) but for three things:
the CSRF token of its forms, which providers the buyer has shortlisted (each card's button
says "Add" or "Shortlisted"), and whether the buyer is signed in. So an answer is rendered
once per index, address, kind (htmx fragment or part of the whole page) and signed-in state,
with the token and each card's shortlist state left as open slots, and each request fills
in its own. A patched or new index starts with no kept answers, so nothing outlives the
data it was computed from.

The markup is produced by the template and the card builders as before (escaping by
construction); keeping it only cuts it where the request's parts go. The cuts are found by
marks that are random per process, so no text a buyer types can forge one.
"""

import re
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from providers.directory.memo import DIRECTORY_ANSWERS, rendered_once

# Marks in a rendering: where the template's CSRF token goes, where the cards go, and where
# a piece kept elsewhere goes (a facet's options), so that answers share those pieces
# instead of holding copies. Random per process, so no text a buyer types can forge one.
_MARK_HEAD = f"\ue000{secrets.token_hex(12)}:"
_MARKS = re.compile(re.escape(_MARK_HEAD) + "([^\ue001]*)\ue001")


def mark(name: str) -> SafeString:
    """The mark of the open slot or kept piece ``name`` (letters, digits and dashes)."""
    return mark_safe(f"{_MARK_HEAD}{name}\ue001")


def split_marks(markup: str) -> list[str]:
    """``markup`` cut at its marks: text, mark name, text, ... (always odd in length)."""
    return _MARKS.split(markup)


TOKEN_MARK = mark("token")
CARDS_MARK = mark("cards")


class OpenPieces:
    """Markup in pieces with open slots: the CSRF token (``token()``) and a card's
    shortlist form ending, which is the "not shortlisted" ending unless the request's
    buyer shortlisted that provider (``tail()``)."""

    __slots__ = ("pieces", "tail_slots", "token_slots")

    def __init__(self):
        self.pieces: list[bytes] = []
        self.token_slots: list[int] = []
        self.tail_slots: list[tuple[int, int, bytes]] = []

    def add(self, piece: bytes) -> None:
        self.pieces.append(piece)

    def token(self) -> None:
        self.token_slots.append(len(self.pieces))
        self.pieces.append(b"")

    def tail(self, pk: int, tails: tuple[bytes, bytes]) -> None:
        self.tail_slots.append((len(self.pieces), pk, tails[1]))
        self.pieces.append(tails[0])

    def text(self, markup: str, kept: dict[str, "bytes | OpenPieces"]) -> None:
        """Rendered markup: its CSRF tokens (``TOKEN_MARK``) left open, and each other
        mark replaced by its piece from ``kept`` (bytes, or pieces with their own slots)."""
        parts = split_marks(markup)
        self.add(parts[0].encode())
        for at in range(1, len(parts), 2):
            name = parts[at]
            if name == "token":
                self.token()
            else:
                piece = kept[name]
                if isinstance(piece, OpenPieces):
                    self.extend(piece)
                else:
                    self.add(piece)
            self.add(parts[at + 1].encode())

    def extend(self, other: "OpenPieces") -> None:
        offset = len(self.pieces)
        self.pieces += other.pieces
        self.token_slots += [slot + offset for slot in other.token_slots]
        self.tail_slots += [(slot + offset, pk, tail) for slot, pk, tail in other.tail_slots]


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    """An answer's markup with its open slots, and what the whole page shows around it."""

    pieces: tuple[bytes, ...]
    token_slots: tuple[int, ...]
    tail_slots: tuple[tuple[int, int, bytes], ...]  # (slot, provider id, shortlisted ending)
    page: tuple[tuple[str, object], ...]  # the page's own context: title, total, typed text

    @classmethod
    def from_rendering(
        cls, markup: str, kept: dict[str, "bytes | OpenPieces"], page: dict
    ) -> "KeptAnswer":
        """``markup`` rendered with ``TOKEN_MARK`` as its CSRF token and the marks of the
        pieces in ``kept`` where those go (``mark(name)`` for ``kept[name]``)."""
        whole = OpenPieces()
        whole.text(markup, kept)
        return cls(
            tuple(whole.pieces),
            tuple(whole.token_slots),
            tuple(whole.tail_slots),
            tuple(page.items()),
        )

    def filled(self, csrf_token: str, shortlisted: Collection[int]) -> bytes:
        """The answer for one request: its CSRF token, and its buyer's shortlist."""
        pieces = list(self.pieces)
        token = conditional_escape(csrf_token).encode()
        for slot in self.token_slots:
            pieces[slot] = token
        if shortlisted:
            for slot, pk, ending in self.tail_slots:
                if pk in shortlisted:
                    pieces[slot] = ending
        return b"".join(pieces)


def kept_answer(index, key: tuple, build: Callable[[], KeptAnswer], limit: int) -> KeptAnswer:
    """The answer for ``key``, built once per index while among the ``limit`` most
    recently asked (none kept when ``limit`` is 0): the addresses buyers keep coming back
    to stay, the others make way."""
    return rendered_once(index, DIRECTORY_ANSWERS, key, build, limit)
