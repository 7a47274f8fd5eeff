"""pseudonymize: replace the value with a realistic, consistent surrogate.

The surrogate is drawn from Faker seeded with the keyed digest of (label, value), so the same
value of the same type maps to the same surrogate in every document and every run under the
same key, and nobody without the key can rebuild the mapping by trying candidates. Numbers
keep their layout (format-preserving): each digit is replaced by a keyed digit, separators
stay, credit cards stay Luhn-valid and SSNs stay in the valid SSN ranges.
"""
from __future__ import annotations

import hashlib
import random
import re
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Callable

from ...errors import OperatorError
from .base import Operator, OperatorContext
from ...keys import NO_KEY_MESSAGE
from ...linking import render_person

if TYPE_CHECKING:  # pragma: no cover
    from ...linking import Mention

_DATE_FORMATS = (
    "%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%m-%d-%Y", "%Y/%m/%d", "%m/%d/%y",
    "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%B %Y", "%Y%m%d",
)
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"

# label -> surrogate kind; unknown labels use the format-preserving fallback
KINDS = {
    "PERSON": "person", "NAME": "person", "PATIENT": "person", "DOCTOR": "person",
    "FIRST_NAME": "first_name", "LAST_NAME": "last_name",
    "EMAIL_ADDRESS": "email", "EMAIL": "email",
    "PHONE_NUMBER": "digits", "PHONE": "digits", "FAX": "digits",
    "CREDIT_CARD": "credit_card",
    "US_SSN": "ssn",
    "DATE": "date", "DATE_TIME": "date", "DATE_OF_BIRTH": "date", "DOB": "date",
    "LOCATION": "city", "CITY": "city", "GPE": "city",
    "ADDRESS": "address", "STREET_ADDRESS": "address",
    "ORGANIZATION": "company", "ORG": "company", "COMPANY": "company",
}
LINK_KINDS = {"organization": "company", "place": "city"}  # value.link -> surrogate kind


class PseudonymizeOperator(Operator):
    name = "pseudonymize"
    defaults = {"locale": "en_US"}
    needs_key = True

    def validate(self) -> None:
        self.locale = self._str("locale")
        if not re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", self.locale):
            raise self._fail("locale", f"must look like 'en_US', got {self.locale!r}")
        from faker.config import AVAILABLE_LOCALES  # not Faker itself (slow): the list of its locales

        if self.locale not in AVAILABLE_LOCALES:  # at build time, not at the first finding (issue 14 item 12)
            raise self._fail("locale", f"is not a Faker locale: {self.locale!r}")
        self._faker = None
        self._lock = threading.Lock()

    def _get_faker(self):
        if self._faker is None:
            from faker import Faker  # lazy: Faker is slow to import

            try:
                self._faker = Faker(self.locale)
            except AttributeError:
                raise self._fail("locale", f"is not a Faker locale: {self.locale!r}") from None
        return self._faker

    def apply(self, value: str, label: str, ctx: OperatorContext) -> str:
        if not ctx.keys.has_key:
            raise OperatorError(
                f"{NO_KEY_MESSAGE}. pseudonymize needs a key: surrogates seeded without a secret could be "
                "mapped back by generating the surrogate of every candidate value"
            )
        mention = getattr(ctx, "mention", None)  # linking.py: one pseudonym per person, organisation or place
        if mention is not None and mention.kind == "person":
            return self._person(mention, label, ctx)
        digest = ctx.keys.pseudonym_digest(value if mention is None else f"{mention.kind}:{mention.key}", label)
        kind = KINDS.get(label, "fallback") if mention is None else LINK_KINDS[mention.kind]

        def draw(attempt: int) -> str:
            seed = _redraw_seed(digest, attempt)
            rng = random.Random(seed)
            surrogate = self._surrogate(kind, value, seed, rng)
            if surrogate == value:  # astronomically rare for long values, possible for 1-digit ones
                surrogate = _preserve_format(value, random.Random(seed + 1), change=True)
            if surrogate == value:  # no letters or digits to substitute (e.g. '-/-'): use keyed letters
                surrogate = "".join(rng.choice(_LOWER) for _ in value)
            return surrogate

        return unique_surrogate(ctx, kind, digest.hex(), draw)

    def _person(self, mention: "Mention", label: str, ctx: OperatorContext) -> str:
        # Given name and surname each from their own keyed seed: 'Aisha' alone, 'Ms. Rahman' and
        # 'Aisha Rahman' agree, and two O'Donnells keep one surrogate surname but not one person.
        parts = []
        for role, name in (("first", mention.first), ("last", mention.last)):
            digest = ctx.keys.pseudonym_digest(f"{role}:{name or ''}", label)
            parts.append(unique_surrogate(ctx, f"person:{role}", digest.hex(),
                                          lambda attempt, role=role, digest=digest: self._name_part(role, digest, attempt)))
        return render_person(mention, parts[0], parts[1])

    def _name_part(self, role: str, digest: bytes, attempt: int) -> str:
        with self._lock:
            fake = self._get_faker()
            fake.seed_instance(_redraw_seed(digest, attempt))
            return fake.first_name() if role == "first" else fake.last_name()

    def _surrogate(self, kind: str, value: str, seed: int, rng: random.Random) -> str:
        if kind == "digits":
            return _phone_surrogate(value, rng)
        if kind == "credit_card":
            return _luhn_surrogate(value, rng)
        if kind == "ssn":
            return _ssn_surrogate(value, rng)
        if kind == "fallback":
            return _preserve_format(value, rng)
        with self._lock:  # one Faker instance per operator; seeding + drawing must be atomic
            fake = self._get_faker()
            fake.seed_instance(seed)
            if kind == "person":
                words = len(value.split())
                if words == 1:
                    return fake.first_name()
                if words == 2:
                    return f"{fake.first_name()} {fake.last_name()}"
                return fake.name()
            if kind == "first_name":
                return fake.first_name()
            if kind == "last_name":
                return fake.last_name()
            if kind == "email":
                return f"{fake.user_name()}{rng.randrange(10, 100)}@{fake.free_email_domain()}"
            if kind == "date":
                return _date_surrogate(value, fake)
            if kind == "city":
                return fake.city()
            if kind == "address":
                return fake.address() if "\n" in value else fake.street_address()
            if kind == "company":
                return fake.company()
        raise AssertionError(kind)  # pragma: no cover


# -- no two values share a surrogate within a run --------------------------------------------------
# Faker's name lists are small and weighted: 100 one-word names drew 82 distinct first names, so
# different people were merged into one. The run state remembers which surrogate went to which
# (keyed digest of a) value; a surrogate already taken is redrawn from the next keyed seed. The
# first value to appear keeps the keyed surrogate, so surrogates are stable within a run and,
# unless a collision forced a redraw, across runs under the same key.
_TAKEN = "pseudonymize.surrogates"
MAX_REDRAWS = 64


def _redraw_seed(digest: bytes, attempt: int) -> int:
    if attempt == 0:
        return int.from_bytes(digest, "big")
    return int.from_bytes(hashlib.sha256(digest + attempt.to_bytes(4, "big")).digest(), "big")


def unique_surrogate(ctx: OperatorContext, namespace: str, identity: str, draw: Callable[[int], str]) -> str:
    """The surrogate of `identity` (a keyed digest, never a value) in `namespace`: draw(0),
    or draw(1), draw(2), ... while the result belongs to another identity of this run."""
    with ctx.run_lock:
        given, owner = ctx.run_state.setdefault(_TAKEN, {}).setdefault(namespace, ({}, {}))
        if identity in given:
            return given[identity]
        for attempt in range(MAX_REDRAWS):
            surrogate = draw(attempt)
            if owner.get(surrogate, identity) == identity:
                break
        else:  # the pool is exhausted: number the last draw
            base, n = surrogate, 2
            while f"{base} {n}" in owner:
                n += 1
            surrogate = f"{base} {n}"
        given[identity] = surrogate
        owner[surrogate] = identity
        return surrogate


def _preserve_format(value: str, rng: random.Random, change: bool = False, digits_only: bool = False) -> str:
    """Replace digits by digits, upper by upper, lower by lower letters; keep everything else."""
    out = []
    for c in value:
        if c.isdigit():
            pool = _DIGITS
        elif c.isalpha() and not digits_only:
            pool = _UPPER if c.isupper() else _LOWER
        else:
            out.append(c)
            continue
        choice = rng.choice(pool)
        if change and choice == c:
            choice = pool[(pool.index(choice) + 1) % len(pool)]
        out.append(choice)
    return "".join(out)


def _fill_digits(value: str, digits: list[str]) -> str:
    it = iter(digits)
    return "".join(next(it) if c.isdigit() else c for c in value)


def _phone_surrogate(value: str, rng: random.Random) -> str:
    """Keyed digits in the same layout; an international '+<country code>' prefix is kept."""
    stripped = value.lstrip()
    if not stripped.startswith("+"):
        return _preserve_format(value, rng, digits_only=True)
    import phonenumbers

    try:
        cc = str(phonenumbers.parse(stripped, None).country_code)
    except phonenumbers.NumberParseException:
        return _preserve_format(value, rng, digits_only=True)
    head_len = len(value) - len(stripped) + 1 + len(cc)
    if value[head_len - len(cc) : head_len] != cc:  # e.g. '+ 1 555...': keep it simple
        return _preserve_format(value, rng, digits_only=True)
    return value[:head_len] + _preserve_format(value[head_len:], rng, digits_only=True)


def _luhn_surrogate(value: str, rng: random.Random) -> str:
    from stdnum import luhn

    n = sum(c.isdigit() for c in value)
    if n < 2:
        return _preserve_format(value, rng)
    body = str(rng.choice("3456")) + "".join(rng.choice(_DIGITS) for _ in range(n - 2))
    return _fill_digits(value, list(body + luhn.calc_check_digit(body)))


def _ssn_surrogate(value: str, rng: random.Random) -> str:
    if sum(c.isdigit() for c in value) != 9:
        return _preserve_format(value, rng)
    area = rng.choice([a for a in range(1, 900) if a != 666])
    digits = f"{area:03d}{rng.randrange(1, 100):02d}{rng.randrange(1, 10000):04d}"
    return _fill_digits(value, list(digits))


def _date_surrogate(value: str, fake) -> str:
    for fmt in _DATE_FORMATS:
        try:
            datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
        return fake.date_between(start_date="-80y", end_date="today").strftime(fmt)
    return fake.date()
