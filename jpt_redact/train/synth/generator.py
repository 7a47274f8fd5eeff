"""generate(): draw documents from the template families, with label restriction and a dev split."""
from __future__ import annotations

import logging
import random
from functools import lru_cache
from typing import Any, Collection, Sequence

from ...errors import DataError
from ...data import Example
from .compose import Doc, SkipDocument
from .families import FAMILIES, Family, families_for, load_all
from .labels import GENERATOR_LABELS, Resolution
from .values import LOCALE_WEIGHTS, LOCALES, Values

log = logging.getLogger(__name__)

NO_PII_SHARE = 0.2
_MAX_TRIES = 30

# Other names policies may use for the same thing (policy label -> generator label, or a tuple
# of generator labels the policy label covers; None = known to be ungeneratable).
ALIASES = {
    "EMAIL": "EMAIL_ADDRESS", "PHONE": "PHONE_NUMBER", "TELEPHONE_NUMBER": "PHONE_NUMBER", "FAX": "FAX_NUMBER",
    "ADDRESS": "STREET_ADDRESS", "POSTAL_ADDRESS": "STREET_ADDRESS", "NAME": "PERSON", "PERSON_NAME": "PERSON",
    "SSN": "US_SSN", "CREDIT_CARD_NUMBER": "CREDIT_CARD", "IBAN": "IBAN_CODE", "IP": "IP_ADDRESS", "WEB_URL": "URL",
    "MRN": "MEDICAL_RECORD_NUMBER", "ADDRESS_LINE": "STREET_ADDRESS", "ZIP_CODE": None, "MEDICAL_RECORD": "MEDICAL_RECORD_NUMBER", "HEALTH_PLAN_BENEFICIARY_NUMBER": "HEALTH_PLAN_ID",
    "HEALTH_PLAN_NUMBER": "HEALTH_PLAN_ID", "BANK_ACCOUNT": "ACCOUNT_NUMBER", "BANK_ACCOUNT_NUMBER": "ACCOUNT_NUMBER",
    "DRIVER_LICENSE": "LICENSE_NUMBER", "US_DRIVER_LICENSE": "LICENSE_NUMBER", "CERTIFICATE_LICENSE_NUMBER": "LICENSE_NUMBER",
    "VEHICLE_IDENTIFIER": "VEHICLE_ID", "NUMBER_PLATE": "LICENSE_PLATE", "REGISTRATION_PLATE": "LICENSE_PLATE", "DEVICE_IDENTIFIER": "DEVICE_ID",
    "SERIAL_NUMBER": "DEVICE_ID", "US_PASSPORT": "PASSPORT_NUMBER", "PASSPORT": "PASSPORT_NUMBER", "SECRET": "API_KEY",
    "API_SECRET": "API_KEY", "ACCESS_TOKEN": "API_KEY", "CREDENTIAL": "API_KEY", "PIN": "PASSWORD", "ORG": "ORGANIZATION",
    "COMPANY": "ORGANIZATION", "GPE": "LOCATION", "CITY": "LOCATION", "COUNTRY": "LOCATION", "DOB": "DATE_OF_BIRTH",
    "BIRTH_DATE": "DATE_OF_BIRTH", "BIRTHDATE": "DATE_OF_BIRTH", "EXPIRY": "CARD_EXPIRY", "CARD_EXPIRATION": "CARD_EXPIRY",
    "CVC": "CVV", "CARD_CVV": "CVV", "SECURITY_CODE": "CVV", "CARD_HOLDER": "CARDHOLDER_NAME",
    "ONLINE_IDENTIFIER": ("IP_ADDRESS", "USERNAME", "DEVICE_ID"), "NRP": None, "UK_NINO": "NATIONAL_ID", "UK_NHS": "MEDICAL_RECORD_NUMBER",
    "ES_NIF": "NATIONAL_ID", "IT_FISCAL_CODE": "NATIONAL_ID", "IN_AADHAAR": "NATIONAL_ID", "IN_PAN": "NATIONAL_ID",
    "NATIONAL_ID_NUMBER": "NATIONAL_ID", "TAX_ID": "NATIONAL_ID", "USER_NAME": "USERNAME", "LOGIN": "USERNAME",
}


def _load_families() -> None:
    load_all()


def _run_family(fam: Family, rng: random.Random, locale: str, res: Resolution) -> Doc:
    v = Values(rng, locale)
    d = Doc(v, res)
    fam.fn(d, v)
    return d


_ALL = Resolution(None)

# Share of PII documents drawn by first picking a wanted label uniformly, then a family that
# emits it: rare labels (passwords, VINs) get enough examples without starving common ones.
LABEL_BALANCED_SHARE = 0.5


@lru_cache(maxsize=None)
def family_labels() -> dict[str, frozenset[str]]:
    """Labels each family was seen to emit in a fixed probe run (used to steer restricted generation)."""
    _load_families()
    out = {}
    for fid, fam in FAMILIES.items():
        seen: set[str] = set()
        rng = random.Random(fid)
        for i in range(40):
            d = _run_family(fam, rng, LOCALES[i % len(LOCALES)], _ALL)
            seen.update(lab for *_, lab in d.spans)
        out[fid] = frozenset(seen)
    return out


def generate(n: int, *, seed: int, labels: Collection[str] | None = None, split: str = "train",
             locales: Sequence[str] | None = None) -> list[Example]:
    """Generate `n` synthetic documents with exact PII spans.

    labels:  restrict the labels that appear; values of other labels are replaced by non-PII
             stand-ins (or the family is skipped). None = every generator label.
    split:   "train" or "dev": families are split by id (~15% dev), so dev measures unseen layouts.
    locales: Faker locales to draw values from (default: all supported, en_US-weighted).
    About 20% of documents come from families with no PII at all.
    """
    if n < 0:
        raise DataError("n must be >= 0")
    _load_families()
    locs = tuple(locales) if locales else LOCALES
    bad = [loc for loc in locs if loc not in LOCALES]
    if bad:
        raise DataError(f"unsupported locale(s) {', '.join(bad)} (supported: {', '.join(LOCALES)})")
    unknown = sorted(set(labels or ()) - GENERATOR_LABELS)
    if unknown:
        raise DataError(f"the generator cannot emit label(s) {', '.join(unknown)}")
    res = Resolution(labels)
    fams = families_for(split)
    probe = family_labels()
    # A family is useful if some fine label it emits becomes a span under this request.
    pii_fams = [f for f in fams if f.pii and any(lab in res.span for lab in probe[f.id])]
    nopii_fams = [f for f in fams if not f.pii]
    by_label: dict[str, list[Family]] = {}
    for f in pii_fams:
        for lab in probe[f.id]:
            if lab in res.span:
                by_label.setdefault(res.span[lab], []).append(f)
    target_labels = sorted(by_label)
    loc_weights = [LOCALE_WEIGHTS.get(loc, 1.0) for loc in locs]
    rng = random.Random(seed)
    out: list[Example] = []
    for _ in range(n):
        use_nopii = not pii_fams or (nopii_fams and rng.random() < NO_PII_SHARE)
        if use_nopii:
            pool = nopii_fams
        elif rng.random() < LABEL_BALANCED_SHARE:
            pool = by_label[rng.choice(target_labels)]
        else:
            pool = pii_fams
        weights = [f.weight for f in pool]
        for _try in range(_MAX_TRIES):
            fam = rng.choices(pool, weights)[0]
            locale = rng.choices(locs, loc_weights)[0]
            try:
                d = _run_family(fam, rng, locale, res)
            except SkipDocument:
                continue
            break
        else:
            raise DataError("could not compose a document with the requested labels")
        unannotated = set(fam.unannotated) | d.unannotated
        meta: dict[str, Any] = {"family": fam.id, "locale": locale}
        if unannotated:
            meta["unannotated"] = sorted(unannotated)
        out.append(Example(text=d.text(), spans=sorted(d.spans), types=None, source="synth", meta=meta))
    return out


def map_policy_labels(policy_labels: Collection[str]) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """Policy label -> generator labels it covers (by name or alias), and the policy labels the
    generator cannot produce."""
    mapping: dict[str, tuple[str, ...]] = {}
    unknown = []
    for lab in policy_labels:
        gen = lab if lab in GENERATOR_LABELS else ALIASES.get(lab)
        if gen is None:
            unknown.append(lab)
        else:
            mapping[lab] = (gen,) if isinstance(gen, str) else tuple(gen)
    return mapping, sorted(unknown)


def generate_for_policy(policy: Any, n: int, seed: int, *, split: str = "train") -> list[Example]:
    """Generate examples whose labels are the policy's own labels.

    `policy` is a Policy, a built-in name or path (loaded with load_policy), or a collection of
    labels. Labels the generator cannot produce are never generated; they are logged once and
    listed in each example's meta["ungenerated_labels"].
    """
    if isinstance(policy, (str, bytes)) or hasattr(policy, "__fspath__"):
        from ...policy import load_policy

        policy = load_policy(policy)
    labels = list(policy.entities) if hasattr(policy, "entities") else list(policy)
    mapping, unknown = map_policy_labels(labels)
    if unknown:
        log.warning("synthetic generator cannot produce policy labels: %s", ", ".join(unknown))
    # Several policy labels may map to one generator label; the first wins for relabelling back.
    back: dict[str, str] = {}
    for pol, gens in mapping.items():
        for gen in gens:
            back.setdefault(gen, pol)
    gen_labels = set(back)
    if not gen_labels:
        raise DataError("none of the policy's labels can be generated")
    exs = generate(n, seed=seed, labels=gen_labels, split=split)
    for ex in exs:
        ex.spans = [(s, e, back.get(lab, lab)) for s, e, lab in ex.spans]
        ex.meta["ungenerated_labels"] = list(unknown)
        if "unannotated" in ex.meta:
            ex.meta["unannotated"] = sorted({back.get(x, x) for x in ex.meta["unannotated"]})
    return exs
