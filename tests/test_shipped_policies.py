"""The built-in policies: they ship, they load, they only name recognizers and operators that
exist, their definitions follow the house style, and hipaa covers all 18 Safe Harbor identifiers."""
from __future__ import annotations

import pytest

from jpt_redact.policy import BUILTIN_POLICIES, builtin_policy_path, load_policy
from jpt_redact.recognizer import build_recognizers, run_recognizers
from jpt_redact.redactor import validate_policy
from jpt_redact.resolver import resolve

PRESIDIO_ENTITIES = {
    "PERSON", "LOCATION", "PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD", "US_SSN", "IBAN_CODE", "IP_ADDRESS",
    "DATE_TIME", "NRP", "ORGANIZATION", "URL", "MEDICAL_LICENSE", "US_DRIVER_LICENSE", "US_PASSPORT",
    "US_BANK_NUMBER", "US_ITIN", "CRYPTO", "UK_NHS", "ES_NIF", "IT_FISCAL_CODE", "IN_AADHAAR",
}

# Safe Harbor 45 CFR 164.514(b)(2)(i)(A)-(R) -> the hipaa.yaml label that covers it.
SAFE_HARBOR = {
    "A names": "PERSON",
    "B geographic subdivisions smaller than a state": "LOCATION",
    "C dates (except year) and ages over 89": "DATE",
    "C ages over 89": "AGE_OVER_89",
    "D telephone numbers": "PHONE_NUMBER",
    "E fax numbers": "FAX_NUMBER",
    "F email addresses": "EMAIL_ADDRESS",
    "G social security numbers": "US_SSN",
    "H medical record numbers": "MEDICAL_RECORD_NUMBER",
    "I health plan beneficiary numbers": "HEALTH_PLAN_NUMBER",
    "J account numbers": "ACCOUNT_NUMBER",
    "K certificate/license numbers": "LICENSE_NUMBER",
    "L vehicle identifiers incl. license plates": "VEHICLE_ID",
    "M device identifiers and serial numbers": "DEVICE_ID",
    "N web URLs": "URL",
    "O IP addresses": "IP_ADDRESS",
    "P biometric identifiers": "BIOMETRIC_ID",
    "Q full-face photographs": "FACE_PHOTO",
    "R any other unique identifying number or code": "OTHER_ID",
}

GDPR_SPECIAL_CATEGORIES = {
    "HEALTH_DATA", "RACIAL_ETHNIC_ORIGIN", "POLITICAL_OPINION", "RELIGIOUS_BELIEF", "TRADE_UNION_MEMBERSHIP",
    "GENETIC_DATA", "BIOMETRIC_DATA", "SEX_LIFE_ORIENTATION",
}


def _all():
    return [(name, label, et) for name in BUILTIN_POLICIES for label, et in load_policy(name).entities.items()]


@pytest.mark.parametrize("name", BUILTIN_POLICIES)
def test_policy_ships_as_package_data(name: str) -> None:
    path = builtin_policy_path(name)
    assert path is not None and path.suffix == ".yaml"
    policy = load_policy(name)
    assert policy.name == name and policy.description
    validate_policy(policy)  # its recognizers and operators build, as in a Redactor


@pytest.mark.parametrize(("policy", "label", "entity"), _all(), ids=lambda v: v if isinstance(v, str) else "")
def test_entity_is_well_formed(policy, label, entity) -> None:
    assert entity.model or entity.recognizers or entity.patterns, f"{policy}.{label} can never be found"
    # Appendix D style: what counts, what does not, with examples; short enough for the prompt.
    assert 80 <= len(entity.definition) <= 350, f"{policy}.{label}: definition is {len(entity.definition)} chars"
    assert "Not " in entity.definition, f"{policy}.{label}: say what does not count"
    assert "(" in entity.definition, f"{policy}.{label}: give concrete examples"
    if entity.presidio_entity is not None:
        assert entity.presidio_entity in PRESIDIO_ENTITIES


def test_hipaa_covers_the_18_safe_harbor_identifiers() -> None:
    hipaa = load_policy("hipaa")
    assert len({k.split()[0] for k in SAFE_HARBOR}) == 18
    missing = {item: label for item, label in SAFE_HARBOR.items() if label not in hipaa.entities}
    assert not missing
    assert hipaa.defaults.on_error == "redact_all"


def test_gdpr_has_the_special_categories() -> None:
    assert GDPR_SPECIAL_CATEGORIES <= set(load_policy("gdpr").entities)


def test_pci_masks_pans_to_the_last_four_and_removes_sensitive_authentication_data() -> None:
    pci = load_policy("pci")
    pan = pci.action_for("CREDIT_CARD")
    assert pan.type == "mask" and pan.params.get("keep_last") == 4 and not pan.params.get("keep_first")
    assert pci.action_for("CVV").type == "redact"
    assert {"CREDIT_CARD", "CVV", "CARD_EXPIRY", "CARDHOLDER_NAME"} <= set(pci.entities)


def test_secrets_finds_pem_blocks_without_the_model() -> None:
    secrets = load_policy("secrets")
    assert secrets.entities["PRIVATE_KEY"].model is False
    assert {"API_KEY", "PASSWORD", "PRIVATE_KEY", "CONNECTION_STRING"} <= set(secrets.entities)


def test_model_stays_on_for_prose_types() -> None:
    for name in ("default", "hipaa", "gdpr"):
        types = load_policy(name).model_types()
        assert "PERSON" in types
    assert "DATE" in load_policy("hipaa").model_types()


# End to end through recognizers and resolver (no model): what each policy's patterns catch.
PATTERN_CASES = [
    ("default", "Mail jane@example.com, card 4111 1111 1111 1111, SSN 536-90-4399, from 10.0.0.7.",
     {("jane@example.com", "EMAIL_ADDRESS"), ("4111 1111 1111 1111", "CREDIT_CARD"), ("536-90-4399", "US_SSN"),
      ("10.0.0.7", "IP_ADDRESS")}),
    ("hipaa", "Seen 03/05/2021. Fax: (312) 555-0199. MRN: 00482913. MBI 1EG4-TE5-MK73. See https://portal.example.org/p/1",
     {("03/05/2021", "DATE"), ("(312) 555-0199", "FAX_NUMBER"), ("00482913", "MEDICAL_RECORD_NUMBER"),
      ("1EG4-TE5-MK73", "HEALTH_PLAN_NUMBER"), ("https://portal.example.org/p/1", "URL")}),
    ("pci", "PAN 4111 1111 1111 1111 exp 04/27 CVV: 123 PIN 4821",
     {("4111 1111 1111 1111", "CREDIT_CARD"), ("04/27", "CARD_EXPIRY"), ("123", "CVV"), ("4821", "CARD_PIN")}),
    ("pci", "track %B4111111111111111^DOE/JANE^27041010000000000000?",
     {("%B4111111111111111^DOE/JANE^27041010000000000000?", "TRACK_DATA")}),
    # ages (AGE's age_phrase): the number with the words that make it an age; no dose, no duration
    ("default", "a 72-year-old man, aged 54 at diagnosis, her son is 6 yo; 54 mg daily; in 3 years",
     {("72-year-old", "AGE"), ("aged 54", "AGE"), ("6 yo", "AGE")}),
    ("default", "Age: 81. Patient, 45 years old, stable at 90% SpO2",
     {("Age: 81", "AGE"), ("45 years old", "AGE")}),
    # postcodes after their label (STREET_ADDRESS's postcode_after_label): the code alone is the span
    ("default", "Ship to ZIP 94105-1234, postcode SW1A 1AA, Postal code K1A 0B1, PLZ 10115; zipper 94105",
     {("94105-1234", "STREET_ADDRESS"), ("SW1A 1AA", "STREET_ADDRESS"), ("K1A 0B1", "STREET_ADDRESS"),
      ("10115", "STREET_ADDRESS")}),
    ("hipaa", "zip code: 60614", {("60614", "STREET_ADDRESS")}),
    ("gdpr", "postcode 1012 AB", {("1012 AB", "ADDRESS")}),
    ("secrets", "AWS AKIAIOSFODNN7EXAMPLE; db=postgres://app:pw1234@db:5432/app; password: 'hunter22'",
     {("AKIAIOSFODNN7EXAMPLE", "API_KEY"), ("postgres://app:pw1234@db:5432/app", "CONNECTION_STRING"),
      ("hunter22", "PASSWORD")}),
]


@pytest.mark.parametrize(("name", "text", "expected"), PATTERN_CASES)
def test_policy_patterns_end_to_end(name: str, text: str, expected: set) -> None:
    policy = load_policy(name)
    spans = resolve(text, run_recognizers(text, build_recognizers(policy)), policy)
    assert {(text[s.start:s.end], s.label) for s in spans} == expected
