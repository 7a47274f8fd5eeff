"""Key material for keyed operators (hash, pseudonymize, encrypt), restore and audit MACs.

A core module rather than part of exporters/: the Redactor, every keyed operator, the audit
log and `restore` share one KeyProvider per run.

One master key is read from JPT_REDACT_KEY (or the file named by JPT_REDACT_KEY_FILE) and
never used directly: HKDF derives a separate subkey per purpose, so a hash value cannot be
turned into an encryption key or an audit MAC and vice versa.

Key formats: `hex:<hex>`, `base64:<b64>`, `passphrase:<text>`, or without prefix: hex if the
text is 32+ hex digits, base64 if it decodes to 16+ bytes, else a passphrase (stretched with
scrypt and a fixed salt, because the same passphrase must give the same key on every run).
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
_HKDF_SALT = b"jpt-redact/hkdf/v1"
_SCRYPT_SALT = b"jpt-redact/passphrase/v1"
_PURPOSES = {"hash": 32, "pseudonym": 32, "encrypt": 64, "audit": 32, "key-id": 32}


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
            return _stretch_passphrase(rest)
        try:
            raw = bytes.fromhex(rest) if kind == "hex" else _b64decode(rest)
        except (ValueError, binascii.Error):
            raise OperatorError(f"{source}: not valid {kind}") from None
        if len(raw) < MIN_KEY_BYTES:
            raise OperatorError(f"{source}: key is {len(raw)} bytes, need at least {MIN_KEY_BYTES}")
        return raw
    if re.fullmatch(r"(?:[0-9a-fA-F]{2}){16,}", text):
        return bytes.fromhex(text)
    if len(text) % 4 == 0 and re.fullmatch(r"[A-Za-z0-9+/_-]+={0,2}", text):
        try:
            raw = _b64decode(text)
        except (ValueError, binascii.Error):
            raw = b""
        if len(raw) >= MIN_KEY_BYTES:
            return raw
    return _stretch_passphrase(text)


def _b64decode(text: str) -> bytes:
    text = text.strip()
    padded = text + "=" * (-len(text) % 4)
    if "-" in text or "_" in text:
        return base64.urlsafe_b64decode(padded)
    return base64.b64decode(padded, validate=True)


class KeyProvider:
    """Holds the master key (or none) and hands out purpose-bound derived keys."""

    def __init__(self, master: bytes | None = None, *, source: str = "bytes") -> None:
        if master is not None and len(master) < MIN_KEY_BYTES:
            raise OperatorError(f"key from {source} is {len(master)} bytes, need at least {MIN_KEY_BYTES}")
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
        """Read ENV_VAR (key text) or ENV_VAR_FILE (path to a key file). Neither set: no key."""
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
