"""The secret redacted alert keys are tagged with (`topology.redaction_keys`).

Derived from `SVCMAP_ANONYMISE_KEY` when it is set, else from the webhook's credential
(the bearer token, else the password), which every replica receiving the same
Alertmanager shares; derived, so that the tag says nothing of the credential itself.
Changing the secret changes the tags of keys redaction changed: a group still firing
with such a key then opens a new incident.
"""

from __future__ import annotations

import hashlib
import hmac

from bot.settings import Settings

_PURPOSE = b"svcmap: alert keys kept apart"


def alert_key_secret(settings: Settings) -> bytes:
    """The key of the tags of redacted group keys and fingerprints, from the settings."""
    source = settings.anonymise_key or settings.alert_token or settings.alert_password
    material = b"" if source is None else source.get_secret_value().encode()
    return hmac.new(material, _PURPOSE, hashlib.sha256).digest()
