"""Table tests for the recognizers of types a reader recognises: bic, postcode, username,
hostname, personal_url and password_nearby (plugins/recognizers/), through the registry like a policy."""
from __future__ import annotations

import pytest

from jpt_redact.plugins.recognizers.personal_url import is_personal
from jpt_redact.recognizer import registered_recognizer

# (recognizer, text, expected values in order); [] = must find nothing
CASES = [
    ("bic", "IBAN: GB82 WEST 1234 5698 7654 32\n  BIC: WESTGB2L", ["WESTGB2L"]),
    ("bic", "SWIFT code DEUTDEFF500. SWIFT/BIC: COBADEFFXXX", ["DEUTDEFF500", "COBADEFFXXX"]),
    ("bic", "INSTANCES ARE DEUTDEFF", []),  # no context word
    ("bic", "BIC: ABCDXX12", []),  # XX is no country
    ("postcode", "Ship to ZIP 94105-1234 or zip code: 10001", ["94105-1234", "10001"]),
    ("postcode", "postcode SW1A 1AA, Postal code K1A 0B1, PLZ 10115, postcode 1012 AB, ZIP: 113 51",
     ["SW1A 1AA", "K1A 0B1", "10115", "1012 AB", "113 51"]),
    ("postcode", "ZIP 94105, order 12345 shipped", ["94105"]),  # the label reaches one value
    ("postcode", "zipper 94105; the postcode was changed in 2019; 75001 Paris", []),  # no label before it
    ("username", "My customer login is dwhitaker88 in case", ["dwhitaker88"]),
    ("username", "user=jdoe42 action=login; \"username\": \"mgarcia\"", ["jdoe42", "mgarcia"]),
    ("username", "the username is mgarcia. (username mkowalczyk_84)", ["mgarcia", "mkowalczyk_84"]),
    ("username", "the login is broken; Username: admin; uid=0", []),
    ("username", "login: jane@example.com", []),
    ("username", "Accepted publickey for mgarcia from 203.0.113.77 port 52113", ["mgarcia"]),
    ("username", "sudo: mgarcia : TTY=pts/0 ; opened for user rlindqvist(uid=1004)", ["mgarcia", "rlindqvist"]),
    ("username", "Failed password for invalid user admin from 192.0.2.14", []),
    # a home directory names its user; generic accounts and look-alike paths do not
    ("username", "PWD=/home/mgarcia ; open C:\\Users\\jdoe\\x.txt; ls /Users/anna.k.", ["mgarcia", "jdoe", "anna.k"]),
    ("username", "cd /home/ubuntu/app; /var/home/x; /homework/a; /home/anna.k!x", []),
    ("username", "he's @marco.alves.photo on Instagram", ["marco.alves.photo"]),
    ("username", "@property\ndef x(self): ...", []),
    ("hostname", "the one at 203.0.113.42, hostname web-01.aisharahman.example", ["web-01.aisharahman.example"]),
    ("hostname", "host=db-prod-3.internal port=5432; hostname: web-01", ["db-prod-3.internal", "web-01"]),
    ("hostname", "server config.yaml; host: primary; visit example.com", []),
    ("personal_url", "see https://facebook.com/jane.doe.", ["https://facebook.com/jane.doe"]),
    ("personal_url", "docs at https://docs.python.org/3/ and www.example.com", []),
    ("personal_url", "reset https://accounts.example.com/reset?user=mk_84&lang=pl now",
     ["https://accounts.example.com/reset?user=mk_84&lang=pl"]),
    ("password_nearby", "the root password if that helps, it's Tr0ub4dor&3horse", ["Tr0ub4dor&3horse"]),
    ("password_nearby", "the wifi password again, is it still BlueFish42!?", ["BlueFish42"]),
    ("password_nearby", "password reset sent to Jane.Doe@example.com; the password for web-01.example.org", []),
    ("password_nearby", "PIN changed on 2024-06-03T14:02:11; passwords: USER=root", []),
    ("password_nearby", "password\nTr0ub4dor&3horse", []),  # another line
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES)
def test_recognizer(name: str, text: str, expected: list[str]) -> None:
    found = registered_recognizer(name).find(text)
    assert [text[s:e] for s, e, _ in found] == expected
    assert all(0 < score < 1 for _, _, score in found)


@pytest.mark.parametrize(("url", "personal"), [
    ("https://jdoe:pw@host.example/x", True),
    ("https://x.example/~jdoe/cv", True),
    ("https://x.example/@jdoe", True),
    ("https://portal.example.org/patients/558812", True),
    ("https://app.example.com/reset?email=jane%40x.com", True),
    ("https://github.com/jdoe", True),
    ("https://github.com/", False),
    ("https://portal.example.org/patients", False),  # the list, not a patient
    ("https://shop.example/cart?item=42", False),
])
def test_personal_parts(url: str, personal: bool) -> None:
    assert is_personal(url) is personal
