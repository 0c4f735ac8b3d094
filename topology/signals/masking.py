"""Masking log lines before template mining: numbers, ids, hex, IPs, UUIDs, e-mail addresses.

A drain3 masking instruction that works token by token: whitespace-separated tokens
of plain letters stay as they are, tokens made of digits or hex digits alone are
masked at once, and the rest go through drain3 regex instructions, remembered per
token (a bounded memory) since most such tokens repeat from line to line. The result
is the line's tokens joined by single spaces, as drain3 splits them.
"""

from __future__ import annotations

from drain3.masking import AbstractMaskingInstruction, MaskingInstruction

TOKEN_MEMORY = 50_000
"""Tokens remembered with their masked form before the memory is cleared."""
ID_LENGTH = 12
"""Hex digit runs at least this long (and with a digit) are ids."""

_HEX = "0123456789abcdefABCDEF"
_NUMERIC = "0123456789.:-+"
_IP_DOTS = 3
_DIGITS = frozenset("0123456789")
_EDGE = r"(?<![0-9A-Za-z])"
_END = r"(?![0-9A-Za-z])"
PATTERNS = (
    (r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", "UUID"),
    (rf"{_EDGE}\d{{1,3}}\.\d{{1,3}}\.\d{{1,3}}\.\d{{1,3}}(?::\d+)?{_END}", "IP"),
    (rf"{_EDGE}0[xX][0-9a-fA-F]+{_END}", "HEX"),
    (rf"{_EDGE}(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{{{ID_LENGTH},}}{_END}", "ID"),
    (rf"{_EDGE}\d+(?:\.\d+)*{_END}", "NUM"),
)
"""The regex masks, applied in order to a token that is not simply a number or an id."""
EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
"""An e-mail address: masked wherever it is, a person's name being in it."""


class TokenMasks(AbstractMaskingInstruction):  # type: ignore[misc]  # drain3 has no types
    """Masks numbers, ids, hex numbers, IPs and UUIDs; drain3 applies it as one instruction."""

    def __init__(self) -> None:
        super().__init__("NUM")
        self._regexes = [MaskingInstruction(pattern, name) for pattern, name in PATTERNS]
        self._email = MaskingInstruction(EMAIL, "EMAIL")
        self._memory: dict[str, str] = {}

    def mask(self, content: str, mask_prefix: str, mask_suffix: str) -> str:
        """`content` with every number, id, IP and UUID replaced by `<NAME>`."""
        known = self._memory.get
        return " ".join(
            [
                known(token) or self._learn(token, mask_prefix, mask_suffix)
                for token in content.split()
            ]
        )

    def _learn(self, token: str, prefix: str, suffix: str) -> str:
        masked = self._masked(token, prefix, suffix)
        if len(self._memory) >= TOKEN_MEMORY:
            self._memory.clear()
        self._memory[token] = masked
        return masked

    def _masked(self, token: str, prefix: str, suffix: str) -> str:
        if "@" in token:
            token = self._email.mask(token, prefix, suffix)
        if token.isalpha() or _DIGITS.isdisjoint(token):
            return token
        if not token.strip(_NUMERIC) and token.count(".") != _IP_DOTS:
            return f"{prefix}NUM{suffix}"
        if not token.strip(_HEX):
            return f"{prefix}ID{suffix}" if len(token) >= ID_LENGTH else token
        for regex in self._regexes:
            token = regex.mask(token, prefix, suffix)
        return token
