"""Mention linking: the findings of one document that name one person, organisation or place.

    mentions = link_mentions(text, spans, {"PERSON": "person", "ORGANIZATION": "organization"})
    mentions[i].key       # one string per entity: 'aisha rahman' for 'Aisha Rahman', 'Aisha', 'Ms. Rahman'

The numbering and pseudonym operators use the key instead of the value (`OperatorContext.mention`),
so that one person keeps one placeholder (`<PERSON_2>`) or pseudonym in a document and, with
the run scope, across a run (`run_key`). Types opt in with `value.link` in the policy.

People (per label, in this order; names compare case-, accent- and apostrophe-blind):
  P1. A mention is parsed into title (Dr., Mrs., ...), given name, middle names, surname
      (with particles: van der Berg), suffix (Jr., MD) and possessive ('s); 'RAHMAN, Aisha'
      is surname first; 'AR' or 'A.R.' are initials. A finding that runs over a column gap
      (two spaces or more, a tab, a blank line) names what comes before the gap.
  P2. Mentions with a given name and a surname are one person when their surnames are equal
      and their given names are one name: equal, one the other's initial ('D. Whitaker' and
      'Daniel J. Whitaker'), a short form of three letters or more that leaves two or more
      ('Jon', 'Jonathan'; not 'Dan', 'Dana') or a
      common English nickname ('Liz', 'Elizabeth'); a different given name is a different
      person (Margaret and Kathleen O'Donnell stay apart).
  P3. A single name ('Aisha', 'Mrs. O'Donnell', 'Okafor') joins the person whose given name
      it is (as in P2), or with a title the person whose surname it is (without a title: given name
      first, then surname); initials join the person with those initials.
  P4. A gendered title (Mr., Mrs., Ms., ...; in the finding or just before it) does not join a
      person addressed with another one or whose given name Faker's name lists know as the
      other gender ('Mr. Jensen' is Harold, not Edith). When several people still fit, the one
      mentioned last before it wins (else the first after): 'Mrs. O'Donnell' after 'Margaret
      O'Donnell' and before 'Kathleen O'Donnell' is Margaret.
  P5. A mention that fits no one is a person of its own; equal single names are one person.
Organisations and places:
  O1. Names compare without case, accents, punctuation, a leading 'the', legal forms (Inc,
      Ltd, GmbH, ...) and, for places, what follows a comma ('Cedar Falls, Iowa'); St./Mt./Ft.
      read as Saint/Mount/Fort.
  O2. An acronym joins the one entity whose initials it is (LGH, Lakeside General Hospital),
      and a leading part of a name joins the one entity it begins ('Lakeside').
Nothing here stores a value: keys live only while a document is redacted, and `run_key`
keeps digests.
"""
from __future__ import annotations

import importlib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Mapping, Sequence

from .findings import Span

KINDS = ("person", "organization", "place")
# not "M." (an initial far more often than Monsieur) nor "Don" (a given name)
MALE_TITLES = frozenset("mr sir lord herr monsieur sr brother father fr".split())
FEMALE_TITLES = frozenset("mrs ms miss madame mme mlle lady dame frau fraulein sra srta sister".split())
TITLES = frozenset(
    "dr doctor mr mrs ms miss mx prof professor sir dame lady lord rev reverend fr father sister brother nurse "
    "capt captain sgt officer det detective judge hon herr frau fraulein mme mlle monsieur madame sr sra srta "
    "dott ing mag".split())
SUFFIXES = frozenset("jr sr ii iii iv md phd rn np pa do dds esq mba".split())
PARTICLES = frozenset("van von der den de del della di da du la le bin ibn al el ten ter dos das st".split())
LEGAL_FORMS = frozenset(
    "inc incorporated ltd limited llc llp lp plc corp corporation co company gmbh ag kg sa sas sarl srl spa bv nv "
    "pty oy ab as asa".split())
GENERIC_WORDS = frozenset(
    "hospital clinic center centre medical health university college school bank group services solutions "
    "systems general national international community county city state".split())
ACRONYM_SKIP = frozenset({"of", "and", "the", "for", "&", "de", "du", "la"})
PLACE_ABBREVIATIONS = {"st": "saint", "mt": "mount", "ft": "fort"}
APOSTROPHES = "'\u2019\u02bc"
# Short forms that are not prefixes of the name ('Jon' of 'Jonathan' is found as a prefix)
NICKNAMES = {
    "bob": "robert", "bobby": "robert", "rob": "robert", "bill": "william", "billy": "william", "will": "william",
    "liz": "elizabeth", "beth": "elizabeth", "betty": "elizabeth", "lizzie": "elizabeth", "peggy": "margaret",
    "maggie": "margaret", "meg": "margaret", "jim": "james", "jimmy": "james", "dick": "richard", "rick": "richard",
    "mike": "michael", "mick": "michael", "jack": "john", "johnny": "john", "ted": "edward", "ned": "edward",
    "tony": "anthony", "chuck": "charles", "charlie": "charles", "sue": "susan", "susie": "susan", "kate": "katherine",
    "kathy": "katherine", "cathy": "catherine", "abby": "abigail", "sandy": "sandra", "becky": "rebecca",
    "peg": "margaret", "hank": "henry", "harry": "henry", "larry": "lawrence", "jerry": "gerald", "andy": "andrew",
}
# Faker's given-name lists by gender, for P4 ('Mr. Jensen' is not Edith); Latin-script locales
NAME_LOCALES = ("en_US", "en_GB", "en_IE", "en_IN", "en_NG", "es_ES", "fr_FR", "de_DE", "it_IT", "pt_PT", "pt_BR",
                "nl_NL", "pl_PL", "ga_IE", "sv_SE", "hi_IN")


@dataclass(frozen=True)
class Mention:
    """One finding as a mention of an entity; `key` is the same for every mention of it."""

    kind: str
    key: str
    first: str | None = None  # the person's given name (folded), when known
    last: str | None = None  # the person's surname (folded), when known
    form: str = "full"  # which parts this mention shows: full, first, last, initials, last_first
    title: str = ""  # as written ('Dr.'), part of the finding
    possessive: str = ""  # as written ("'s"), part of the finding
    upper: bool = False  # written in capitals

    @property
    def complete(self) -> bool:
        """Whether the entity's given name and surname are both known."""
        return bool(self.first and self.last)


def fold(value: str) -> str:
    """Case-, accent- and apostrophe-blind form of a name part."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join("'" if c in APOSTROPHES else c for c in plain).strip(".,;:")


def kinds_of(entities: Mapping[str, Any]) -> dict[str, str]:
    """Label -> link kind for a policy's entity types (`value.link`), without the unlinked ones."""
    found = {label: getattr(getattr(et, "value", None), "link", None) for label, et in entities.items()}
    return {label: kind for label, kind in found.items() if kind}


# -- people ----------------------------------------------------------------------------------------
@dataclass
class _Name:
    index: int
    start: int
    title: str
    given: str | None
    middle: tuple[str, ...]
    last: str | None
    single: str | None  # one name whose role is not known yet
    initials: str | None
    form: str
    possessive: str
    upper: bool
    gender: str = ""  # 'm' or 'f' from a title in or just before the mention ('Mrs. Okonkwo')
    titled: bool = False  # a title in or just before the mention: a single name is a surname


def _strip_possessive(raw: str) -> tuple[str, str]:
    if len(raw) > 2 and raw[-2] in APOSTROPHES and raw[-1] in "sS":
        return raw[:-2], raw[-2:]
    if len(raw) > 2 and raw[-1] in APOSTROPHES and raw[-2] in "sS":
        return raw[:-1], raw[-1:]
    return raw, ""


def _before_gap(raw: str) -> str:
    """The text up to the first run of two or more spaces, a tab or a blank line."""
    cut = len(raw)
    for gap in ("  ", "\t", "\n\n", "\n \n"):
        at = raw.find(gap)
        if 0 < at < cut:
            cut = at
    return raw[:cut].rstrip()


def _is_initial(token: str) -> bool:
    core = token.rstrip(".")
    return len(core) == 1 and core.isalpha()


def parse_person(raw: str, index: int = 0, start: int = 0) -> _Name:
    """Rule P1 for one mention."""
    # a name holds no column gap: 'Margaret O'Donnell          MRN' (a span grown over a form) is
    # the name before it
    raw = _before_gap(raw.strip())
    text, possessive = _strip_possessive(raw)
    letters = [c for c in text if c.isalpha()]
    upper = len(letters) > 3 and all(c.isupper() for c in letters)
    form = "full"
    if "," in text:  # 'RAHMAN, Aisha'
        head, _, tail = text.partition(",")
        if head.strip() and tail.strip() and len(head.split()) <= 3:
            text, form = f"{tail.strip()} {head.strip()}", "last_first"
    tokens = text.replace(".", ". ").split()
    title_tokens: list[str] = []
    while tokens and fold(tokens[0]).rstrip(".") in TITLES and len(tokens) > 1:
        title_tokens.append(tokens.pop(0))
    while len(tokens) > 1 and fold(tokens[-1]).rstrip(".") in SUFFIXES:
        tokens.pop()
    title = _written_title(raw, title_tokens)
    name = _Name(index, start, title, None, (), None, None, None, form, possessive, upper, _gender(title_tokens),
                 bool(title))
    if not tokens:
        name.single = fold(text)
        return name
    if len(tokens) == 1 or all(_is_initial(t) for t in tokens):
        joined = "".join(t.rstrip(".") for t in tokens)
        name.single, name.form = fold(joined), "single"
        if len(tokens) > 1 or (2 <= len(joined) <= 3 and joined.isupper() and not title):
            name.initials, name.form = fold(joined), "initials"  # may still be a name ('LEE'): P3
        return name
    if all(fold(t) in PARTICLES for t in tokens[:-1]):  # 'van der Berg', 'de la Cruz': a surname alone
        name.single, name.form, name.titled = " ".join(fold(t) for t in tokens), "single", True
        return name
    last_at = len(tokens) - 1
    while last_at > 1 and fold(tokens[last_at - 1]) in PARTICLES:
        last_at -= 1
    name.given = fold(tokens[0])
    name.middle = tuple(fold(t) for t in tokens[1:last_at])
    name.last = " ".join(fold(t) for t in tokens[last_at:])
    return name


def _gender(title_tokens: Sequence[str]) -> str:
    words = {fold(t).rstrip(".") for t in title_tokens}
    return "m" if words & MALE_TITLES else "f" if words & FEMALE_TITLES else ""


def title_before(text: str, start: int) -> list[str]:
    """The title words written right before a mention ('Mrs. ' in 'Mrs. Okonkwo'), if any."""
    words: list[str] = []
    i = start
    while True:
        j = i
        while j > 0 and text[j - 1] in " \t":
            j -= 1
        if j == i or j == 0:
            return words
        k = j - 1 if text[j - 1] == "." else j
        m = k
        while m > 0 and text[m - 1].isalpha():
            m -= 1
        if m == k or fold(text[m:k]) not in TITLES or (m > 0 and text[m - 1].isalnum()):
            return words
        words.insert(0, text[m:j])
        i = m


@lru_cache(maxsize=1)
def _given_names() -> dict[str, str]:
    found: dict[str, set[str]] = {}
    for locale in NAME_LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except ImportError:  # pragma: no cover - faker is a dependency; without it, no hints
            continue
        for attr, gender in (("first_names_male", "m"), ("first_names_female", "f")):
            names = getattr(provider, attr, ())
            for name in names.keys() if isinstance(names, dict) else names:
                found.setdefault(fold(name), set()).add(gender)
    return {name: genders.pop() for name, genders in found.items() if len(genders) == 1}


def name_gender(given: str | None) -> str:
    """'m' or 'f' for a given name that Faker's lists know as one only ('' otherwise)."""
    return _given_names().get(given or "", "") if given and len(given) > 1 else ""


def _written_title(raw: str, title_tokens: list[str]) -> str:
    if not title_tokens:
        return ""
    # the title exactly as written ('Dr.' or 'Dr'), up to the end of its last token
    pos = 0
    for token in title_tokens:
        pos = raw.find(token.rstrip("."), pos) + len(token.rstrip("."))
    if pos < len(raw) and raw[pos] == ".":
        pos += 1
    return raw[:pos].strip()


class _Person:
    def __init__(self, given: str | None, last: str | None, single: str | None = None) -> None:
        self.given, self.last, self.single = given, last, single
        self.starts: list[int] = []
        self.titled = False
        self.genders: set[str] = set()
        self.middles: set[str] = set()

    def known_genders(self) -> set[str]:
        """Genders this person's titles ('Mrs.') and given name (Faker's lists) point to."""
        from_name = name_gender(self.given)
        return self.genders | {from_name} if from_name else set(self.genders)

    def add(self, n: "_Name") -> None:
        self.starts.append(n.start)
        self.titled = self.titled or n.titled
        if n.gender:
            self.genders.add(n.gender)

    @property
    def key(self) -> str:
        if self.last:
            return f"{self.given} {self.last}" if self.given else self.last
        return self.given or self.single or ""

    @property
    def initials(self) -> str:
        return "".join(p[0] for p in (self.given, self.last) if p)


def same_given(a: str | None, b: str | None) -> bool:
    """Given names of one person: equal, a short form ('Jon', 'Jonathan') or a nickname ('Liz')."""
    if not a or not b:
        return False
    if a == b or NICKNAMES.get(a, a) == NICKNAMES.get(b, b):
        return True
    short, long = sorted((a, b), key=len)
    # 'Dan' is Daniel, but 'Dana' is someone else: a short form leaves two letters or more
    return len(short) >= 3 and len(long) - len(short) >= 2 and long.startswith(short)


def _compatible(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    a, b = a.rstrip("."), b.rstrip(".")
    return same_given(a, b) or (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


def _nearest(people: list[_Person], start: int) -> _Person:
    """Rule P4: the candidate mentioned last before `start`, else the first one after."""
    before = [(max(s for s in p.starts if s < start), i) for i, p in enumerate(people) if any(s < start for s in p.starts)]
    if before:
        return people[max(before)[1]]
    return min(people, key=lambda p: min(p.starts, default=start))


def _link_people(names: list[_Name]) -> dict[int, _Person]:
    people: list[_Person] = []
    owner: dict[int, _Person] = {}
    full = [n for n in names if n.given and n.last]
    # P2: full given names first, so an initial or a single name can join them in any order
    for n in sorted(full, key=lambda n: (_is_initial(n.given or ""), n.start)):
        # 'Kelly Ann' after 'Kelly Ann Marsh': a second given name, not a surname
        fits = [p for p in people if (p.last == n.last and _compatible(p.given, n.given))
                or (p.given == n.given and n.last in p.middles)]
        person = _nearest(fits, n.start) if fits else None
        if person is None:
            person = _Person(n.given, n.last)
            people.append(person)
        elif len((person.given or "").rstrip(".")) == 1 and len((n.given or "").rstrip(".")) > 1:
            person.given = n.given
        if person.last == n.last:
            person.middles.update(n.middle)
        person.add(n)
        owner[n.index] = person
    for n in sorted((n for n in names if n.index not in owner), key=lambda n: n.start):
        person = _place_partial(n, people)
        if person is None:
            person = _Person(None, None, n.single or n.initials)
            people.append(person)
        person.add(n)
        owner[n.index] = person
    return owner


def _place_partial(n: _Name, people: list[_Person]) -> _Person | None:
    """Rules P3 and P5 for a single name or initials."""
    if n.initials:
        fits = [p for p in people if p.initials == n.initials or p.single == n.initials]
        if fits:
            return _nearest(fits, n.start)
    value = n.single
    # P4: a 'Mrs.' is not the person an earlier 'Mr.' named, nor one called Harold
    if n.gender:
        people = [p for p in people if not p.known_genders() or n.gender in p.known_genders()]
    by_given = [p for p in people if p.given and len(p.given) > 1 and same_given(p.given, value)]
    by_last = [p for p in people if p.last and (p.last == value or p.last.split()[-1] == value)]
    by_single = [p for p in people if p.single == value]
    order = (by_last, by_given) if n.titled else (by_given, by_last)
    for fits in (*order, by_single):
        if fits:
            return _nearest(fits, n.start)
    return None


def _person_mention(n: _Name, person: _Person) -> Mention:
    if person.given or person.last:
        first, last = person.given, person.last
    elif person.titled:  # 'Dr. Okafor' alone: a surname
        first, last = None, person.single
    else:
        first, last = person.single, None
    form = n.form
    if form == "single":
        is_last = bool(last) and n.single in (last, (last or "").split()[-1])
        form = "last" if is_last and (n.titled or n.single != first) else "first"
    elif form == "initials" and person.initials != n.initials:
        form = "last" if last and n.single == last else "first"  # 'LEE' read as initials at first
    return Mention("person", person.key, first, last, form, n.title, n.possessive, n.upper)


def _parse_in(text: str, span: Span, index: int) -> _Name:
    name = parse_person(text[span.start : span.end], index, span.start)
    before = title_before(text, span.start)  # 'Mrs. ' outside the span still says surname, and who
    if before and not name.title:
        name.gender, name.titled = _gender(before), True
    return name


# -- organisations and places ----------------------------------------------------------------------
def canonical_name(raw: str, kind: str) -> tuple[str, ...]:
    """Rule O1: the tokens a name compares by."""
    text = _strip_possessive(raw.strip())[0]
    if kind == "place" and "," in text:
        text = text.split(",", 1)[0]
    tokens = [fold(t).strip("'") for t in text.replace(".", " ").replace("&", " & ").replace("-", " ").split()]
    tokens = [t for t in tokens if t]
    if tokens and tokens[0] == "the" and len(tokens) > 1:
        tokens.pop(0)
    if kind == "organization":
        while len(tokens) > 1 and tokens[-1] in LEGAL_FORMS:
            tokens.pop()
    else:
        tokens = [PLACE_ABBREVIATIONS.get(t, t) for t in tokens]
    return tuple(tokens)


def _acronym(tokens: tuple[str, ...]) -> str:
    return "".join(t[0] for t in tokens if t not in ACRONYM_SKIP)


def _link_names(items: list[tuple[int, int, str]], kind: str) -> dict[int, str]:
    canon = {i: canonical_name(raw, kind) for i, _, raw in items}
    long_first = sorted(items, key=lambda it: (-len(canon[it[0]]), it[1]))
    entities: list[tuple[str, ...]] = []
    out: dict[int, str] = {}
    for i, _, raw in long_first:
        tokens = canon[i]
        if not tokens:
            out[i] = fold(raw)
            continue
        if tokens in entities:
            out[i] = " ".join(tokens)
            continue
        fits: list[tuple[str, ...]] = []
        if len(tokens) == 1 and 2 <= len(tokens[0]) <= 6 and raw.strip().isupper():
            fits = [e for e in entities if len(e) > 1 and _acronym(e) == tokens[0]]
        if not fits and any(t not in GENERIC_WORDS for t in tokens):
            fits = [e for e in entities if len(e) > len(tokens) and e[: len(tokens)] == tokens]
        if len(fits) == 1:
            out[i] = " ".join(fits[0])
            continue
        entities.append(tokens)
        out[i] = " ".join(tokens)
    return out


# -- the document ----------------------------------------------------------------------------------
def link_mentions(text: str, spans: Sequence[Span], kinds: Mapping[str, str]) -> dict[int, Mention]:
    """Position in `spans` -> Mention, for the spans whose label has a link kind."""
    by_label: dict[str, list[int]] = {}
    for i, s in enumerate(spans):
        if s.label in kinds:
            by_label.setdefault(s.label, []).append(i)
    out: dict[int, Mention] = {}
    for label, indexes in by_label.items():
        kind = kinds[label]
        if kind == "person":
            names = [_parse_in(text, spans[i], i) for i in indexes]
            owner = _link_people(names)
            for n in names:
                out[n.index] = _person_mention(n, owner[n.index])
        else:
            keys = _link_names([(i, spans[i].start, text[spans[i].start : spans[i].end]) for i in indexes], kind)
            for i in indexes:
                out[i] = Mention(kind, keys[i])
    return out


def run_key(mention: Mention, state: dict, digest: Callable[[str], str]) -> str:
    """The run-wide identity of a mention's entity, as a digest (the run scope of `replace`).

    A person known by given name and surname is registered under both parts; a later
    document that names only 'Aisha' or only 'Ms. Rahman' joins that person when exactly one
    registered person has that part. The caller holds the run lock. Only digests are kept."""
    own = digest(f"{mention.kind}:{mention.key}")
    if mention.kind != "person":
        return own
    parts = state.setdefault("linking.parts", {})
    if mention.complete:
        for role, value in (("first", mention.first), ("last", mention.last)):
            known = parts.setdefault(digest(f"{role}:{value}"), [])
            if own not in known:
                known.append(own)
        return own
    role, value = ("last", mention.last) if mention.last else ("first", mention.first)
    known = parts.get(digest(f"{role}:{value}"), [])
    return known[0] if len(known) == 1 else own


def render_person(mention: Mention, first: str, last: str) -> str:
    """A surrogate person written the way the mention was: 'Dr. <last>', '<first>', initials, ..."""
    if mention.form == "initials":
        out = "".join(p[0] for p in (first if mention.first else "", last if mention.last else "") if p) or first[0]
    elif mention.form == "last" or (not mention.first and mention.last):
        out = last
    elif mention.form == "first" or not mention.last:
        out = first
    elif mention.form == "last_first":
        out = f"{last}, {first}"
    else:
        out = f"{first} {last}"
    if mention.upper:
        out = out.upper()
    if mention.title:
        out = f"{mention.title} {out}"
    return out + mention.possessive
