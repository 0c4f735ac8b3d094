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
    try:  # a gap as NaN: numpy reads None so when told the values are doubles
        return numpy.array(rows, dtype=numpy.float64).reshape(len(rows), width)
    except (TypeError, ValueError, OverflowError):  # not numbers, or too large for a double
        return None


@lru_cache(maxsize=64)
def _packer(width: int) -> Callable[..., bytes]:
    """Packs `width` numbers as native doubles: twice as fast as `numpy.fromiter` over them."""
    return struct.Struct(f"{width}d").pack
