"""Sets of providers as bitsets held in Python ``int``s: bit *i* stands for the *i*-th
published provider in the index's order. AND / OR combine sets, ``bit_count()`` counts."""

import re
from collections import deque
from itertools import repeat

import numpy as np

_BITS_IN_BYTE = [tuple(bit for bit in range(8) if value >> bit & 1) for value in range(256)]
_NONZERO_RUN = re.compile(rb"[^\x00]+")
_CHUNK = 1024  # bytes per block when skipping to a deep page
# From this share of the positions set, a bitset is written as a string of binary digits
# (one C loop sets them, one parse reads them) rather than bit by bit in Python.
_DIGITS_SHARE = 16
_ONE = ord("1")


def bits_from_positions(positions, size: int) -> int:
    """The bitset of ``positions`` (any order, any iterable; each below ``size``)."""
    if not isinstance(positions, list | tuple | range):
        positions = list(positions)
    if len(positions) * _DIGITS_SHARE >= size:
        digits = bytearray(b"0") * size
        deque(map(digits.__setitem__, positions, repeat(_ONE)), maxlen=0)
        digits.reverse()  # the highest position first, as a number is written
        return int(digits, 2) if digits else 0
    data = bytearray((size + 7) // 8)
    for position in positions:
        data[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(data, "little")


def as_bytes(bits: int) -> bytes:
    """``bits`` as little-endian bytes, as few as hold its highest set bit."""
    return bits.to_bytes((bits.bit_length() + 7) // 8, "little")


def positions_from_bits(bits: int, start: int = 0, limit: int | None = None) -> list[int]:
    """Positions of the set bits of ``bits``, skipping the first ``start``, at most ``limit``."""
    if bits <= 0 or (limit is not None and limit <= 0):
        return []
    data = as_bytes(bits)
    offset = 0
    skipped = 0
    while offset < len(data):  # skip whole blocks cheaply
        in_block = int.from_bytes(data[offset : offset + _CHUNK], "little").bit_count()
        if skipped + in_block > start:
            break
        skipped += in_block
        offset += _CHUNK
    found: list[int] = []
    for run in _NONZERO_RUN.finditer(data, offset):  # runs of empty bytes skipped in C
        for index in range(run.start(), run.end()):
            for bit in _BITS_IN_BYTE[data[index]]:
                if skipped >= start:
                    found.append(index * 8 + bit)
                    if limit is not None and len(found) >= limit:
                        return found
                skipped += 1
    return found


def positions_array(bits: int) -> np.ndarray:
    """The positions of the set bits of ``bits``, ascending, as an int64 numpy array (for
    work done on them in numpy): only the bytes with a bit set are unpacked."""
    data = np.frombuffer(as_bytes(bits), dtype=np.uint8)
    filled = np.flatnonzero(data)
    rows, bits_in_byte = np.nonzero(np.unpackbits(data[filled, None], axis=1, bitorder="little"))
    return filled[rows] * 8 + bits_in_byte
