"""Free text redacted: what an alert's annotations say, before it is shown, stored or sent.

Annotations (`summary`, `description`, ...) are written by whoever writes the alerting
rules, and filled in with label values and query results: an address, a user's e-mail,
a request id, at times a credential. Text is redacted in two passes. Secrets first, over
the whole text: the password in `https://user:password@host`, the value of `token=...`,
`password=...` and their kin (also quoted, as JSON writes them), an `Authorization`
value after `Bearer`, and tokens of well-known shapes (Slack, GitHub, GitLab, Stripe, AWS
access key ids, JWTs). Then each word, as a name is (`topology.redaction`): so
`profile-1234567 is failing for ada@example.com` reads `profile-{num} is failing for
{email}`, as the map names that service. A word longer than a name can be (a blob, a
long URL in prose) becomes `{long}`: the rules read names, and a word that long is not
one. A link (an annotation that is one http(s) URL, such as `runbook_url`) keeps its
address, so it still leads somewhere, and loses only its secrets.

Text is cut to `TEXT_CHARS` first (a word the cut goes through is left out whole), so the
work for one value is bounded whatever comes in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from topology.model import MAX_NAME_LENGTH
from topology.redaction import Rule

TEXT_CHARS = 1024
"""Characters of one annotation kept (PagerDuty's summary holds 1,024)."""
LINK_CHARS = 2048
"""Characters a link may have and still be a link."""
LONG = "{long}"
HIDDEN = "{secret}"
MEMO_SIZE = 4096
"""Distinct values (and words) a `TextRedaction` remembers; past it the memory starts again."""

_KEY_NAMES = (
    r"(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key"
    r"|credentials?|auth|signature|sig)"
)
"""Names of secrets, also as the end of a longer name (`client_secret`, `X-Auth-Token`)."""
_SECRETS: tuple[tuple[re.Pattern[str], str], ...] = (
    # credentials in a URL: scheme://user:password@host (the user goes too)
    (re.compile(r"(?<=://)[^\s/?#@]+@"), "{credentials}@"),
    # an Authorization header's value
    (re.compile(r"(?i)\b(bearer|basic)(\s+)(?!\{)[A-Za-z0-9._~+/=-]{6,}"), rf"\1\2{HIDDEN}"),
    # key=value (a query, a command line, a log line) and "key": "value" (JSON)
    (
        re.compile(rf"(?i)({_KEY_NAMES})(\s*=\s*)(?!\{{)[^\s\"'&,;]+"),
        rf"\1\2{HIDDEN}",
    ),
    (
        re.compile(rf"(?i)({_KEY_NAMES}[\"']\s*:\s*[\"'])(?!\{{)[^\"']+"),
        rf"\1{HIDDEN}",
    ),
    # tokens of well-known shapes
    (
        re.compile(
            r"(?<![A-Za-z0-9])(?:xox[abposre]-[A-Za-z0-9-]{10,}|gh[pousr]_[A-Za-z0-9]{20,}"
            r"|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}"
            r"|[rs]k_(?:live|test)_[A-Za-z0-9]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16}"
            r"|eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,})"
        ),
        HIDDEN,
    ),
)
_Work = Callable[[str], str]
_LEADING = "([<\"'`"
_TRAILING = ".,;:!?)]>\"'`"
"""Punctuation around a word that is no part of the name in it (`(cart-1234567),`)."""
_WORD = re.compile(r"\S+")
_LINK = re.compile(r"https?://[^\s/?#]+(?:[/?#]\S*)?", re.IGNORECASE)


def redact_secrets(text: str) -> str:
    """`text` with the credentials it holds replaced by placeholders."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def _cut(text: str) -> str:
    """`text` cut to `TEXT_CHARS`, without the part of a word the cut went through.

    A part of a word could be the part of an address or credential that no rule knows.
    """
    if len(text) <= TEXT_CHARS:
        return text
    head = text[:TEXT_CHARS]
    if text[TEXT_CHARS].isspace():
        return head
    words = head.rsplit(None, 1)
    return words[0] if len(words) > 1 else LONG


def is_link(text: str) -> bool:
    """Whether `text` is one http(s) URL, short enough to be shown as a link."""
    return len(text) <= LINK_CHARS and _LINK.fullmatch(text) is not None


class TextRedaction:
    """Redacts free text with a name redaction's rules; remembers values and words it has seen."""

    def __init__(self, rules: Sequence[Rule], *, memo: int = MEMO_SIZE) -> None:
        self._rules = tuple(rules)
        self._values: dict[str, str] = {}
        self._words: dict[str, str] = {}
        self._memo_size = memo

    @property
    def remembered(self) -> int:
        """How many values and words are remembered now."""
        return len(self._values) + len(self._words)

    def value(self, text: str) -> str:
        """An annotation's value redacted: a link loses its secrets, other text as `text`."""
        stripped = text.strip()
        if is_link(stripped):
            return self._remembered(self._values, stripped, redact_secrets)
        return self.text(text)

    def text(self, text: str) -> str:
        """`text` cut to `TEXT_CHARS` (whole words), secrets hidden, then each word as a name is."""
        return self._remembered(self._values, _cut(text), self._text)

    def _text(self, text: str) -> str:
        return _WORD.sub(lambda word: self._word(word[0]), redact_secrets(text))

    def _word(self, word: str) -> str:
        if len(word) > MAX_NAME_LENGTH:
            return LONG
        if not self._rules:
            return word
        return self._remembered(self._words, word, self._rename)

    def _rename(self, word: str) -> str:
        core = word.lstrip(_LEADING)
        lead = word[: len(word) - len(core)]
        name = core.rstrip(_TRAILING)
        trail = core[len(name) :]
        for rule in self._rules:
            name = rule.apply(name)
        return f"{lead}{name}{trail}"

    def _remembered(self, memo: dict[str, str], key: str, work: _Work) -> str:
        found = memo.get(key)
        if found is None:
            found = work(key)
            if len(memo) >= self._memo_size:
                memo.clear()  # a flood of distinct values keeps no more than the memo's size
            memo[key] = found
        return found
