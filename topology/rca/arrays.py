"""Series values as numpy arrays, for the screens that judge many series at once."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
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
    try:  # read straight through when every value is a number (most series)
        flat = numpy.fromiter(chain.from_iterable(rows), numpy.float64, len(rows) * width)
        return flat.reshape(len(rows), width)
    except (TypeError, ValueError):  # a None (a gap), or not a number
        pass
    try:
        return numpy.array(rows, dtype=numpy.float64)
    except (TypeError, ValueError):  # not numbers
        return None
