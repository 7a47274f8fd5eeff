"""Key material for keyed operators (hash, pseudonymize, encrypt), restore and audit MACs.

A core module rather than part of exporters/: the Redactor, every keyed operator, the audit
log and `restore` share one KeyProvider per run.

One master key is read from JPT_REDACT_KEY (or the file named by JPT_REDACT_KEY_FILE) and
never used directly: HKDF derives a separate subkey per purpose, so a hash value cannot be
turned into an encryption key or an audit MAC and vice versa.

Key formats, explicit: `hex:<hex>`, `base64:<b64>` or `passphrase:<text>`. Without a prefix,
only two readings are unambiguous and accepted: 32+ hex digits (`openssl rand -hex 32`) are
hex, and text with a character outside the base64 alphabet (a space, '!') is a passphrase.
Anything else (a 24-character word that might be base64 or a passphrase) is refused rather than
guessed. Minimum strength, whatever the format: a raw key has at least 16 bytes and 8 distinct
byte values (no all-zero or repeated-byte keys); a passphrase at least 16 characters with 8
distinct ones, since it is stretched with scrypt under a fixed salt (the same passphrase must
give the same key on every run) and guessing it is the only attack.

Where the key comes from: only variables of the JPT_REDACT_* namespace (JPT_REDACT_KEY by
default, or VAR_FILE naming a key file), never an arbitrary one such as HOME, whose public
value would make every keyed hash, pseudonym and audit MAC public.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import threading
from functools import lru_cache
from typing import Mapping

from .errors import OperatorError

NO_KEY_MESSAGE = "no key: set JPT_REDACT_KEY or JPT_REDACT_KEY_FILE"
MIN_KEY_BYTES = 16
MIN_DISTINCT_BYTES = 8
MIN_PASSPHRASE_CHARS = 16
MIN_DISTINCT_CHARS = 8
KEY_ENV_PATTERN = r"JPT_REDACT_[A-Z0-9_]*"  # the same rule as policy.KEY_ENV_PATTERN
_HKDF_SALT = b"jpt-redact/hkdf/v1"
_SCRYPT_SALT = b"jpt-redact/passphrase/v1"
# "input": the keyed digest of a whole input text in results and audit records
_PURPOSES = {"hash": 32, "pseudonym": 32, "encrypt": 64, "audit": 32, "key-id": 32, "input": 32}
_FORMATS = "write hex:<hex digits>, base64:<base64> or passphrase:<text>"


def check_key_bytes(raw: bytes, source: str) -> bytes:
    """`raw` if it is strong enough to be a master key; OperatorError naming `source` if not."""
    if len(raw) < MIN_KEY_BYTES:
        raise OperatorError(f"{source}: key is {len(raw)} bytes, need at least {MIN_KEY_BYTES}")
    if len(set(raw)) < MIN_DISTINCT_BYTES:
        raise OperatorError(f"{source}: key has only {len(set(raw))} distinct byte values (all zeros or a repeated "
                            f"pattern), need at least {MIN_DISTINCT_BYTES}: generate one with `openssl rand -hex 32`")
    return raw


def _check_passphrase(text: str, source: str) -> str:
    if len(text) < MIN_PASSPHRASE_CHARS or len(set(text)) < MIN_DISTINCT_CHARS:
        raise OperatorError(f"{source}: passphrase too weak (need at least {MIN_PASSPHRASE_CHARS} characters, "
                            f"{MIN_DISTINCT_CHARS} of them distinct); a random key (`openssl rand -hex 32`) is better")
    return text


def check_env_name(name: str) -> str:
    if not re.fullmatch(KEY_ENV_PATTERN, name or ""):
        raise OperatorError(f"key variable {name!r}: only JPT_REDACT_* variables may hold a key (any other may hold "
                            "a public value)")
    return name


@lru_cache(maxsize=8)
def _stretch_passphrase(passphrase: str) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=_SCRYPT_SALT, length=32, n=2**14, r=8, p=1).derive(passphrase.encode("utf-8"))


def parse_key_text(text: str, source: str) -> bytes:
    """Turn the text of a key setting into master key bytes (see the module docstring)."""
    text = text.strip()
    if not text:
        raise OperatorError(f"{source} is empty")
    kind, sep, rest = text.partition(":")
    if sep and kind in ("hex", "base64", "passphrase"):
        if kind == "passphrase":
            if not rest:
                raise OperatorError(f"{source}: empty passphrase")
            return _stretch_passphrase(_check_passphrase(rest, source))
        try:
            raw = bytes.fromhex(rest) if kind == "hex" else _b64decode(rest)
        except (ValueError, binascii.Error):
            raise OperatorError(f"{source}: not valid {kind}") from None
        return check_key_bytes(raw, source)
    if re.fullmatch(r"(?:[0-9a-fA-F]{2}){16,}", text):
        return check_key_bytes(bytes.fromhex(text), source)
    if re.fullmatch(r"[A-Za-z0-9+/_=-]+", text):
        # base64, a hex string of odd length, or a one-word passphrase: refuse to guess
        raise OperatorError(f"{source}: ambiguous key text ({len(text)} characters that could be base64 or a "
                            f"passphrase); {_FORMATS}")
    return _stretch_passphrase(_check_passphrase(text, source))


def _b64decode(text: str) -> bytes:
    text = text.strip()
    padded = text + "=" * (-len(text) % 4)
    if "-" in text or "_" in text:
        return base64.urlsafe_b64decode(padded)
    return base64.b64decode(padded, validate=True)


class KeyProvider:
    """Holds the master key (or none) and hands out purpose-bound derived keys."""

    def __init__(self, master: bytes | None = None, *, source: str = "bytes") -> None:
        if master is not None:
            check_key_bytes(bytes(master), f"key from {source}")
        self._master = bytes(master) if master is not None else None
        self.source = source if master is not None else "none"
        self._subkeys: dict[str, bytes] = {}
        self._siv = None
        self._lock = threading.Lock()

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_bytes(cls, key: bytes) -> "KeyProvider":
        if not isinstance(key, (bytes, bytearray)):
            raise OperatorError("from_bytes needs bytes")
        return cls(bytes(key), source="bytes")

    @classmethod
    def from_text(cls, text: str, *, source: str = "key text") -> "KeyProvider":
        return cls(parse_key_text(text, source), source=source)

    @classmethod
    def none(cls) -> "KeyProvider":
        return cls(None)

    @classmethod
    def from_env(cls, env_var: str = "JPT_REDACT_KEY", *, environ: Mapping[str, str] | None = None) -> "KeyProvider":
        """Read ENV_VAR (key text) or ENV_VAR_FILE (path to a key file). Neither set: no key.
        ENV_VAR must be a JPT_REDACT_* name (OperatorError otherwise)."""
        check_env_name(env_var)
        env = os.environ if environ is None else environ
        direct = env.get(env_var) or None
        file_var = env_var + "_FILE"
        path = env.get(file_var) or None
        if direct and path:
            raise OperatorError(f"both {env_var} and {file_var} are set; set only one")
        if direct:
            return cls(parse_key_text(direct, env_var), source=env_var)
        if path:
            try:
                data = open(path, "rb").read()
            except OSError as exc:
                raise OperatorError(f"{file_var}: cannot read key file: {exc.strerror}") from None
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                return cls(data, source=file_var)  # a raw binary key file
            return cls(parse_key_text(text, f"{file_var} ({path})"), source=file_var)
        return cls(None)

    # -- state -----------------------------------------------------------------------------
    @property
    def has_key(self) -> bool:
        return self._master is not None

    def require(self, purpose: str = "") -> None:
        if self._master is None:
            raise OperatorError(NO_KEY_MESSAGE + (f" ({purpose})" if purpose else ""))

    def subkey(self, purpose: str) -> bytes:
        """The derived key for one purpose: 'hash', 'pseudonym', 'encrypt', 'audit', 'key-id'."""
        self.require(purpose)
        if purpose not in _PURPOSES:
            raise OperatorError(f"unknown key purpose {purpose!r}")
        with self._lock:
            key = self._subkeys.get(purpose)
            if key is None:
                from cryptography.hazmat.primitives import hashes
                from cryptography.hazmat.primitives.kdf.hkdf import HKDF

                key = HKDF(
                    algorithm=hashes.SHA256(), length=_PURPOSES[purpose], salt=_HKDF_SALT,
                    info=b"jpt-redact/" + purpose.encode(),
                ).derive(self._master)  # type: ignore[arg-type]
                self._subkeys[purpose] = key
            return key

    @property
    def key_id(self) -> str | None:
        """A short public fingerprint of the key (safe to log), or None without a key."""
        if not self.has_key:
            return None
        return hashlib.sha256(self.subkey("key-id")).hexdigest()[:12]

    # -- keyed primitives ------------------------------------------------------------------
    @staticmethod
    def _message(value: str, label: str) -> bytes:
        # label first with a separator, so ("AB","C") and ("A","BC") never collide
        return label.encode("utf-8") + b"\x00" + value.encode("utf-8", "surrogatepass")

    def hmac_hex(self, value: str, label: str) -> str:
        """HMAC-SHA256 of (label, value) under the hashing subkey, as 64 hex digits."""
        return hmac.new(self.subkey("hash"), self._message(value, label), hashlib.sha256).hexdigest()

    def pseudonym_digest(self, value: str, label: str) -> bytes:
        """32 keyed bytes that seed the surrogate for (label, value)."""
        return hmac.new(self.subkey("pseudonym"), self._message(value, label), hashlib.sha256).digest()

    def input_digest(self, data: bytes) -> str:
        """HMAC-SHA256 of a whole input text under its own subkey, as 64 hex digits: what
        results and audit records carry instead of an unkeyed SHA-256 (which a template of
        the redacted text plus offsets turns back into the values by trying candidates)."""
        return hmac.new(self.subkey("input"), data, hashlib.sha256).hexdigest()

    def mac_hex(self, data: str | bytes) -> str:
        """HMAC-SHA256 under the audit subkey (used for audit record MACs)."""
        raw = data.encode("utf-8") if isinstance(data, str) else data
        return hmac.new(self.subkey("audit"), raw, hashlib.sha256).hexdigest()

    def siv(self):
        """The AES-SIV cipher (cryptography's AESSIV) under the encryption subkey."""
        key = self.subkey("encrypt")
        with self._lock:
            if self._siv is None:
                from cryptography.hazmat.primitives.ciphers.aead import AESSIV

                self._siv = AESSIV(key)
            return self._siv

    def __repr__(self) -> str:  # never shows key material
        return f"KeyProvider(source={self.source!r}, key_id={self.key_id!r})"
