"""Where each published provider stands in one of the index's orders: provider id ->
position, for the name order (``DirectoryIndex.position_of``) and the "recently checked"
order (``verified_position``).

A dict of a hundred thousand Python ints held about 7 MB each, and worse, its ints were
made in the middle of the build, among the rows it reads and drops, so they kept many of
the allocator's pages from being handed back (the index's resident memory was four times
its live size). Here the positions are one array indexed by provider id (4 bytes an id,
``ABSENT`` where a provider has none), as long as the highest published id: about the
directory's length while ids come from the database's sequence, more where some are far
apart (4 bytes for every id up to the highest). An index is never written once it is
installed: a patch writes a copy (``copy``, then ``pop`` and ``update``).
"""

from array import array

import numpy as np

ABSENT = -1

# The widest provider id the index holds: its lists of ids are 32-bit, and so are the word
# index's postings. Positions are indexed by id, so a wider one would already need gigabytes
# here; a directory's ids come from its sequence and are about as many as its providers.
WIDEST_ID = 2**31 - 1


def id_array(ids) -> array:
    """Provider ids in an array of 4 bytes each (the index's lists of ids: half the memory
    of 64-bit ids, about 7 MB at a million providers)."""
    ids = ids if isinstance(ids, (array, list, tuple)) else list(ids)
    widest = max(ids, default=0)
    if widest > WIDEST_ID:
        raise ValueError(f"Provider id {widest} is past {WIDEST_ID}, the widest the index holds.")
    return array("i", ids)


class Positions:
    """A read-mostly map of provider id to position with the dict methods the index uses
    (``get``, ``[]``, ``in``, ``len``, ``copy``, ``pop``, ``update``, ``items``), and
    ``places`` for many ids at once."""

    __slots__ = ("_at", "_count")

    def __init__(self, at: array, count: int):
        self._at = at
        self._count = count

    @classmethod
    def of(cls, order) -> "Positions":
        """The positions of the ids in ``order`` (a sequence of distinct provider ids)."""
        if isinstance(order, array) and order.typecode in "iq":
            ids = np.frombuffer(order, dtype=order.typecode)
        else:
            ids = np.fromiter(order, dtype=np.int64, count=len(order))
        at = np.full(int(ids.max()) + 1 if len(ids) else 0, ABSENT, dtype=np.int32)
        at[ids] = np.arange(len(ids), dtype=np.int32)
        held = array("i")
        held.frombytes(at.tobytes())
        return cls(held, len(ids))

    def get(self, pk: int, default=None):
        try:
            place = self._at[pk] if pk >= 0 else ABSENT
        except (IndexError, TypeError):  # past the end; not an id (None)
            return default
        return default if place == ABSENT else place

    def places(self, pks) -> list[int]:
        """The positions of those of ``pks`` that have one, in their order: one loop, not
        a call of ``get`` per id (a text search looks up each rare word's ids)."""
        at, end = self._at, len(self._at)
        found = [at[pk] for pk in pks if 0 <= pk < end]
        return [place for place in found if place != ABSENT]

    def __getitem__(self, pk: int) -> int:
        place = self.get(pk)
        if place is None:
            raise KeyError(pk)
        return place

    def __contains__(self, pk) -> bool:
        return self.get(pk) is not None

    def __len__(self) -> int:
        return self._count

    def __iter__(self):
        return (pk for pk, _place in self.items())

    def __eq__(self, other) -> bool:
        if isinstance(other, Positions):
            return self._count == other._count and dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None  # written by patches before they are installed: not a key

    def items(self):
        return ((pk, place) for pk, place in enumerate(self._at) if place != ABSENT)

    def copy(self) -> "Positions":
        return Positions(self._at[:], self._count)

    def pop(self, pk: int, default=None):
        place = self.get(pk)
        if place is None:
            return default
        self._at[pk] = ABSENT
        self._count -= 1
        return place

    def update(self, pairs) -> None:
        """Write (provider id, position) pairs, growing the array for new ids."""
        at = self._at
        for pk, place in pairs:
            if pk >= len(at):
                at.extend(array("i", [ABSENT]) * (pk + 1 - len(at)))
            if at[pk] == ABSENT:
                self._count += 1
            at[pk] = place

    def nbytes(self) -> int:
        return self._at.itemsize * len(self._at)
