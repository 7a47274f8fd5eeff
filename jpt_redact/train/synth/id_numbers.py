"""Training source `id_numbers`: national, tax, business and bank identifiers of ~170 schemes.

Each scheme is one python-stdnum module (`br.cpf`, `de.idnr`, `in_.aadhaar`, ...) and one
training type (`BR_CPF`, ...). Values are made by mutating the digits of the module's own
doctest examples until its `is_valid` accepts them, so every value passes the check digits
and structure rules real systems apply. Definitions are built at run time from the module's
docstring (name, what it is, how it is written), so the repo carries no copy of
python-stdnum's (LGPL) text and a new scheme needs no hand-written entry.

Many schemes look alike (11 digits with a check digit), so what tells them apart is the
definition and the words around the value: most documents name the scheme as a reader would
see it ("CPF:", "Steuer-IdNr"), some give only a gloss ("tax number") or nothing. Names,
addresses and dates in the documents are not annotated; the source excludes those kinds from
its negatives.
"""
from __future__ import annotations

import importlib
import pkgutil
import random
import re
from dataclasses import dataclass
from functools import lru_cache

from ...data import Example
from .values import LOCALES, Values

SOURCE = "id_numbers"
KIND = "national_identifier"
# Kinds that may appear unannotated in these documents (names, places, dates, other numbers).
EXCLUDED_KINDS = frozenset({
    "person", "location", "organization", "group", "date", "time", "age", "contact", "identifier",
    KIND, "number", "quantity", "money", "secret", "network", "misc", "travel", "service",
})
# Countries whose schemes are never trained on: `benchmarks/id_schemes.py` measures them as
# types given only by their definitions (the zero-shot case for a user's own identifier).
HELD_OUT_COUNTRIES = frozenset({"br", "in_", "pl", "za", "kr", "tr"})
# Packages of checksum algorithms, not identifiers of anything.
NOT_IDENTIFIERS = frozenset({"iso7064"})
_EXAMPLE = re.compile(r">>> (?:validate|compact)\('([^'\n]+)'\)\n(?!Traceback)")
_TRIES = 400


@dataclass(frozen=True)
class Scheme:
    module: str  # e.g. "br.cpf"
    label: str  # e.g. "BR_CPF"
    title: str  # docstring's first line without the final stop
    cues: tuple[str, ...]  # how documents name the number ("CPF", "Cadastro de Pessoas Físicas")
    gloss: str  # the English description in the title ("Brazilian national identifier")
    about: str  # the docstring's first paragraph after the title
    examples: tuple[str, ...]  # valid values from the module's doctests


def _label(module: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", module.upper().replace("_.", ".")).strip("_")


def _parse_title(title: str) -> tuple[tuple[str, ...], str]:
    """'CPF (Cadastro de Pessoas Físicas, Brazilian national identifier)' -> cues, gloss."""
    m = re.fullmatch(r"(.*?)\s*\((.*)\)", title)
    if not m:
        return (title,), title
    head, inner = m.group(1), m.group(2)
    parts = [p.strip() for p in inner.split(",") if p.strip()]
    gloss = parts[-1] if parts else head
    cues = [c.strip() for c in head.split(",") if c.strip()]
    cues += [p for p in parts[:-1] if len(p) < 60]
    return tuple(dict.fromkeys(cues)) or (head,), gloss


def _scheme(name: str) -> Scheme | None:
    try:
        mod = importlib.import_module(f"stdnum.{name}")
    except Exception:  # noqa: BLE001 - an optional scheme that fails to import is skipped
        return None
    doc = mod.__doc__ or ""
    if not hasattr(mod, "is_valid") or not doc.strip():
        return None
    paragraphs = [p.strip() for p in doc.split("\n\n")]
    title = " ".join(paragraphs[0].split()).rstrip(".")
    about = " ".join(paragraphs[1].split()) if len(paragraphs) > 1 and not paragraphs[1].startswith(">>>") else ""
    examples = tuple(dict.fromkeys(e for e in _EXAMPLE.findall(doc) if _valid(mod, e)))
    if not examples:
        return None
    cues, gloss = _parse_title(title)
    return Scheme(name, _label(name), title, cues, gloss, about, examples)


def _valid(mod, value: str) -> bool:
    try:
        return bool(mod.is_valid(value))
    except Exception:  # noqa: BLE001 - some validators raise on malformed input instead of returning False
        return False


@lru_cache(maxsize=None)
def schemes(held_out: bool = False) -> tuple[Scheme, ...]:
    """Every country-level stdnum module with a valid doctest example that we can vary: the
    training schemes, or (held_out=True) those of HELD_OUT_COUNTRIES."""
    import stdnum

    names = sorted(m.name[len("stdnum."):] for m in pkgutil.walk_packages(stdnum.__path__, "stdnum.")
                   if m.name.count(".") == 2)
    out = []
    for name in names:
        if name.split(".")[0] in NOT_IDENTIFIERS or (name.split(".")[0] in HELD_OUT_COUNTRIES) != held_out:
            continue
        s = _scheme(name)
        if s is not None and sample_value(s, random.Random(name)) is not None:
            out.append(s)
    return tuple(out)


def sample_value(scheme: Scheme, rng: random.Random) -> str | None:
    """A new valid value shaped like one of the scheme's examples (digits varied), or None."""
    mod = importlib.import_module(f"stdnum.{scheme.module}")
    for _ in range(_TRIES):
        base = rng.choice(scheme.examples)
        value = "".join(str(rng.randrange(10)) if c.isdigit() else c for c in base)
        if value not in scheme.examples and _valid(mod, value):
            return _written(mod, value, rng)
    return None


def _written(mod, value: str, rng: random.Random) -> str:
    """The value as people write it: the module's display format, its compact form, or as drawn."""
    forms = [value]
    for fn in ("format", "compact"):
        if hasattr(mod, fn):
            try:
                forms.append(str(getattr(mod, fn)(value)))
            except Exception:  # noqa: BLE001
                pass
    return rng.choice(forms).strip()


def definitions(s: Scheme) -> tuple[str, ...]:
    """Appendix-D style: what it is, how it is written, what is not part of it; then paraphrases."""
    shape = " or ".join(f"'{e}'" for e in s.examples[:2])
    about = f" {s.about}" if s.about else ""
    primary = (f"{s.title}.{about} Written like {shape}. Tag the number itself only, not its name or "
               f"label ('{s.cues[0]}:'); other identifiers, phone numbers and dates are not this type.")
    second = f"The {s.gloss} ({', '.join(s.cues[:2])}), e.g. {s.examples[-1]}; just the number, without the words naming it."
    third = f"{s.title}."
    return primary, second, third


_TEMPLATES = (
    "{name}\n{cue}: {value}\n{street}",
    "Name: {name}\n{cue}: {value}\nDate: {date}",
    "Please update my records, my {cue} is {value}. Thanks, {first}",
    "{cue} {value}",
    "hi its {first}, {cue_lower} {value} as requested",
    "The applicant's {gloss_lower} is {value}.",
    "name;{cue_lower};city\n{name};{value};{city}",
    "Ref. {ref} | {cue}: {value} | {name}",
    "I gave them my {gloss_lower} ({value}) but they said it was wrong?",
    "{name} ({cue} {value}) signed on {date}.",
    "Customer: {name}, {city}. {cue} no. {value}. Order {ref}.",
    "Can you check {value}? It should be a valid {cue}.",
)
_TWO = (
    "{cue}: {value}\n{cue2}: {value2}",
    "{name}, {cue} {value}, {cue2} {value2}",
    "My {cue} is {value} and the {gloss2_lower} is {value2}.",
)


def draw_document(rng: random.Random, chosen: list[Scheme]) -> Example | None:
    """One document over `chosen`: one value, or two of different schemes a fifth of the time
    (None when a value cannot be drawn)."""
    a = rng.choice(chosen)
    b = rng.choice([s for s in chosen if s is not a]) if rng.random() < 0.2 else None
    return _document(rng, a, b)


def _document(rng: random.Random, a: Scheme, b: Scheme | None) -> Example | None:
    value = sample_value(a, rng)
    if value is None:
        return None
    v = Values(rng, rng.choice(LOCALES))
    fields = {
        "name": v.full_name(), "first": v.first(), "street": v.street(), "city": v.city(),
        "date": v.date(), "ref": v.digits(rng.choice((5, 6, 8))), "cue": rng.choice(a.cues),
        "gloss_lower": a.gloss[:1].lower() + a.gloss[1:], "value": value,
    }
    fields["cue_lower"] = fields["cue"].lower()
    spans = [(a.label, "value")]
    if b is not None:
        value2 = sample_value(b, rng)
        if value2 is None:
            b = None
        else:
            fields.update(cue2=rng.choice(b.cues), value2=value2, gloss2_lower=b.gloss[:1].lower() + b.gloss[1:])
            spans.append((b.label, "value2"))
    template = rng.choice(_TWO if b is not None else _TEMPLATES)
    return _render(template, fields, spans)


def _render(template: str, fields: dict[str, str], spans) -> Example:
    text, out, pos = "", [], 0
    for m in re.finditer(r"\{(\w+)\}", template):
        text += template[pos:m.start()]
        value = fields[m.group(1)]
        for label, key in spans:
            if key == m.group(1):
                out.append((len(text), len(text) + len(value), label))
        text += value
        pos = m.end()
    text += template[pos:]
    return Example(text, out, None, SOURCE)


def generate_ids(n: int, *, seed: int, block: int = 24, schemes_per_block: int = 8,
                 held_out: bool = False) -> list[Example]:
    """`n` documents; each run of `block` documents draws from `schemes_per_block` schemes, so one
    training group (of the same size) holds several look-alike types to choose between. A
    document whose value cannot be drawn in `_TRIES` attempts is skipped (its block is one
    short; v7 trained on this behaviour, so it stays)."""
    rng = random.Random(f"id_numbers:{seed}:{'held-out' if held_out else 'train'}")
    pool = list(schemes(held_out))
    out: list[Example] = []
    while len(out) < n:
        chosen = rng.sample(pool, min(schemes_per_block, len(pool)))
        for _ in range(min(block, n - len(out))):
            ex = draw_document(rng, chosen)
            if ex is not None:
                out.append(ex)
    return out


def corpus_definitions():
    """The source's labels as a CorpusDefs, like a definitions/*.yaml file would give."""
    from ..label_defs import CorpusDefs, LabelDef

    labels = {s.label: LabelDef(label=s.label, definitions=definitions(s), kind=KIND, raw=s.label, corpus=SOURCE)
              for s in schemes()}
    return CorpusDefs(corpus=SOURCE, labels=labels, exclude_negative_kinds=EXCLUDED_KINDS,
                      description="Short documents naming national, tax, business and bank identifiers.")
