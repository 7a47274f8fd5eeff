import base64

import pytest

from jpt_redact.errors import OperatorError
from jpt_redact.keys import NO_KEY_MESSAGE, KeyProvider, parse_key_text

RAW = bytes(range(32))


@pytest.mark.parametrize(
    "text",
    [RAW.hex(), "hex:" + RAW.hex(), "base64:" + base64.b64encode(RAW).decode(),
     "base64:" + base64.urlsafe_b64encode(RAW).decode()],
)
def test_hex_and_base64_keys_give_the_raw_bytes(text):
    assert parse_key_text(text, "test") == RAW


def test_passphrase_is_stretched_deterministically():
    a = parse_key_text("correct horse battery staple", "test")
    assert len(a) == 32 and a == parse_key_text("passphrase:correct horse battery staple", "test")
    assert a != parse_key_text("correct horse battery stapler", "test")


@pytest.mark.parametrize("text, why", [
    ("", "empty"), ("   ", "empty"), ("hex:zz", "not valid hex"), ("hex:00ff", "2 bytes"), ("base64:AAAA", "3 bytes"),
    ("passphrase:", "empty passphrase"),
    # issue 14 item 6: each of these was accepted
    ("passphrase:a", "too weak"), ("a b", "too weak"),                       # one-letter / short passphrases
    ("QUJDREVGR0hJSktMTU5PUFFS", "ambiguous"),                               # 24 characters: base64 of 18 bytes?
    ("hex:" + "00" * 32, "distinct byte values"), ("0" * 64, "distinct byte values"),   # all-zero keys
    ("hex:" + "ab" * 32, "distinct byte values"), ("passphrase:" + "ab" * 20, "too weak"),
    ("mysecretkeyvalue", "ambiguous"),
])
def test_bad_key_text_is_rejected(text, why):
    with pytest.raises(OperatorError, match=why):
        parse_key_text(text, "JPT_REDACT_KEY")


def test_weak_raw_keys_are_refused_from_bytes_and_key_files(tmp_path):
    with pytest.raises(OperatorError, match="distinct byte values"):
        KeyProvider.from_bytes(b"\x00" * 32)
    keyfile = tmp_path / "zero.bin"
    keyfile.write_bytes(b"\xff" * 32)  # not UTF-8: a raw key file
    with pytest.raises(OperatorError, match="distinct byte values"):
        KeyProvider.from_env(environ={"JPT_REDACT_KEY_FILE": str(keyfile)})


@pytest.mark.parametrize("name", ["HOME", "PATH", "OTHER", "jpt_redact_key", "JPT_REDACTKEY", ""])
def test_keys_come_only_from_jpt_redact_variables(name):
    # issue 14 item 6: `hash_key_env: HOME` made keyed hashes, pseudonyms and audit MACs public values
    with pytest.raises(OperatorError, match="JPT_REDACT_"):
        KeyProvider.from_env(name, environ={name: RAW.hex()})


def test_from_env_reads_variable_file_or_nothing(tmp_path):
    assert not KeyProvider.from_env(environ={}).has_key
    k1 = KeyProvider.from_env(environ={"JPT_REDACT_KEY": RAW.hex()})
    keyfile = tmp_path / "key"
    keyfile.write_text(RAW.hex() + "\n")
    k2 = KeyProvider.from_env(environ={"JPT_REDACT_KEY_FILE": str(keyfile)})
    binfile = tmp_path / "key.bin"
    binfile.write_bytes(bytes(range(224, 256)))
    k3 = KeyProvider.from_env(environ={"JPT_REDACT_KEY_FILE": str(binfile)})
    assert k1.has_key and k2.has_key and k3.has_key
    assert k1.hmac_hex("x", "PERSON") == k2.hmac_hex("x", "PERSON") != k3.hmac_hex("x", "PERSON")
    assert KeyProvider.from_env("JPT_REDACT_OTHER", environ={"JPT_REDACT_OTHER": RAW.hex()}).hmac_hex("x", "P") \
        == k1.hmac_hex("x", "P")


def test_from_env_errors(tmp_path):
    with pytest.raises(OperatorError, match="both"):
        KeyProvider.from_env(environ={"JPT_REDACT_KEY": RAW.hex(), "JPT_REDACT_KEY_FILE": "/x"})
    with pytest.raises(OperatorError, match="cannot read key file"):
        KeyProvider.from_env(environ={"JPT_REDACT_KEY_FILE": str(tmp_path / "missing")})


def test_keyed_operations_without_key_raise_the_documented_message():
    keys = KeyProvider.none()
    assert not keys.has_key and keys.key_id is None
    for call in (lambda: keys.hmac_hex("v", "L"), lambda: keys.siv(), lambda: keys.mac_hex("x")):
        with pytest.raises(OperatorError, match=NO_KEY_MESSAGE):
            call()


def test_short_raw_key_is_rejected():
    with pytest.raises(OperatorError, match="at least 16"):
        KeyProvider.from_bytes(b"short")


def test_subkeys_are_separate_and_hmac_binds_the_label():
    k = KeyProvider.from_bytes(RAW)
    subkeys = {p: k.subkey(p) for p in ("hash", "pseudonym", "encrypt", "audit")}
    assert len({v[:32] for v in subkeys.values()}) == 4
    assert RAW not in subkeys.values()
    assert k.hmac_hex("Ann", "PERSON") == k.hmac_hex("Ann", "PERSON")
    assert k.hmac_hex("Ann", "PERSON") != k.hmac_hex("Ann", "LOCATION")
    assert k.hmac_hex("AB", "C") != k.hmac_hex("B", "CA")
    assert k.hmac_hex("Ann", "PERSON") != KeyProvider.from_bytes(RAW[::-1]).hmac_hex("Ann", "PERSON")


def test_repr_shows_no_key_material():
    k = KeyProvider.from_bytes(RAW)
    assert RAW.hex() not in repr(k) and k.key_id in repr(k)
