"""restore: decrypt the [ENC:<label>:<token>] tokens written by the encrypt operator."""
from __future__ import annotations

import base64
import binascii

from ...errors import OperatorError
from .encrypt import TOKEN_RE
from ...keys import KeyProvider


def decrypt_token(label: str, token: str, keys: KeyProvider) -> str:
    """Decrypt one token body. A wrong key or an edited token raises, never returns garbage."""
    from cryptography.exceptions import InvalidTag

    keys.require("restore")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        plain = keys.siv().decrypt(raw, [label.encode("ascii")])
    except (InvalidTag, ValueError, binascii.Error):
        raise OperatorError(
            f"cannot decrypt an [ENC:{label}:...] token: wrong key, or the token was altered"
        ) from None
    return plain.decode("utf-8", "surrogatepass")


def restore_text(text: str, keys: KeyProvider) -> str:
    """Replace every [ENC:...] token in `text` by its plaintext.

    All tokens are decrypted before anything is returned, so a failure leaves no partially
    restored text behind. The error names the token's offset, never its content.
    """
    parts: list[str] = []
    last = 0
    for m in TOKEN_RE.finditer(text):
        try:
            plain = decrypt_token(m.group(1), m.group(2), keys)
        except OperatorError as exc:
            raise OperatorError(f"offset {m.start()}: {exc}") from None
        parts.append(text[last : m.start()])
        parts.append(plain)
        last = m.end()
    parts.append(text[last:])
    return "".join(parts)
