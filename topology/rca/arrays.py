"""Series values as numpy arrays, for the screens that judge many series at once."""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import starmap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy
    import numpy.typing

    Floats = numpy.typing.NDArray[numpy.float64]


def table_of(rows: Sequence[Sequence[float | None]], width: int) -> Floats | None:
    """Rows of numbers as an array, None as NaN; None when they are not all `width` numbers."""
    import numpy  # noqa: PLC0415 - loaded only for maps with many series

    if set(map(len, rows)) - {width}:
        return None
    pack = _packer(width)
    try:  # packed straight as doubles when every value is a number (most series)
        packed = bytearray().join(starmap(pack, rows))
        return numpy.frombuffer(packed, numpy.float64).reshape(len(rows), width)
    except struct.error:  # a None (a gap), or not a number
        pass
    try:  # the rows with gaps packed with NaN in them, the others as they are
        packed = bytearray().join([_gapped(pack, row) for row in rows])
        return numpy.frombuffer(packed, numpy.float64).reshape(len(rows), width)
    except (struct.error, TypeError, OverflowError):  # not a number
        pass
    try:
        return numpy.array(rows, dtype=numpy.float64)
    except (TypeError, ValueError, OverflowError):  # not numbers, or too large for a double
        return None


def _gapped(pack: Callable[..., bytes], row: Sequence[float | None]) -> bytes:
    """`row` packed, each None as NaN."""
    try:
        return pack(*row)
    except struct.error:
        return pack(*[_NAN if value is None else value for value in row])


_NAN = float("nan")


@lru_cache(maxsize=64)
def _packer(width: int) -> Callable[..., bytes]:
    """Packs `width` numbers as native doubles: twice as fast as `numpy.fromiter` over them."""
    return struct.Struct(f"{width}d").pack
