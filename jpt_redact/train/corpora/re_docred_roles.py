"""Re-DocRED's entities typed by the role their relations give them: fine-grained types on real text.

Re-DocRED types entities coarsely (PER, ORG, LOC, MISC, TIME, NUM) but links them by 96
Wikidata relations, and a relation says what an entity is: the tail of *record label* (P264) is
a record label, the head of *cast member* (P161) a film or show, the tail of *member of
political party* (P102) a party. ROLES turns those into types, the kind of fine-grained types
(award, band, political party, writer, film) that CrossNER-style definitions ask for and that
the coarse corpora never teach.

Each entity takes the first role in ROLES that one of its relations gives it (so an entity is
one type, and the more telling role wins over COUNTRY); all its mentions are tagged with it.
Entities with no role are left untagged: they are not negatives of the role types either,
since the corpus definitions exclude every named kind from the negatives. An entity that
takes part in no relation of its role in this document stays untagged (a band named only in
passing), so recall on this corpus is a lower bound.

Two corpora share the reading: `re_docred_roles` (trained) and `re_docred_roles_heldout`,
the roles in HELD_OUT_ROLES, which no training config uses: types never seen in training, on
Wikipedia text like the sealed zero-shot sets (benchmarks/zero_shot.py).
"""
from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Iterator

from ...data import Example
from . import Corpus, register
from .re_docred import chunks, documents, entity_spans

log = logging.getLogger(__name__)

HEAD, TAIL = "head", "tail"
# (role, [(relation, side, coarse types allowed)]), most telling first
ROLES: tuple[tuple[str, tuple[tuple[str, str, frozenset[str]], ...]], ...] = tuple(
    (role, tuple((rel, side, frozenset(types.split())) for rel, side, types in rules))
    for role, rules in (
        ("AWARD", [("P166", TAIL, "MISC ORG")]),
        ("RECORD_LABEL", [("P264", TAIL, "ORG")]),
        ("POLITICAL_PARTY", [("P102", TAIL, "ORG")]),
        ("SPORTS_LEAGUE", [("P118", TAIL, "ORG MISC")]),
        ("LEGISLATURE", [("P194", TAIL, "ORG")]),
        ("MILITARY_BRANCH", [("P241", TAIL, "ORG")]),
        ("TV_NETWORK", [("P449", TAIL, "ORG")]),
        ("PUBLISHER", [("P123", TAIL, "ORG")]),
        ("PRODUCTION_COMPANY", [("P272", TAIL, "ORG")]),
        ("DEVELOPER", [("P178", TAIL, "ORG")]),
        ("MANUFACTURER", [("P176", TAIL, "ORG")]),
        ("EDUCATIONAL_INSTITUTION", [("P69", TAIL, "ORG")]),
        ("SPORTS_TEAM", [("P54", TAIL, "ORG")]),
        ("RELIGION", [("P140", TAIL, "ORG MISC")]),
        ("MUSICAL_GROUP", [("P175", TAIL, "ORG"), ("P264", HEAD, "ORG")]),
        ("FICTIONAL_CHARACTER", [("P674", TAIL, "PER"), ("P1441", HEAD, "PER")]),
        ("FILM_DIRECTOR", [("P57", TAIL, "PER")]),
        ("COMPOSER", [("P86", TAIL, "PER"), ("P676", TAIL, "PER")]),
        ("ACTOR", [("P161", TAIL, "PER")]),
        ("MUSIC_ARTIST", [("P175", TAIL, "PER"), ("P264", HEAD, "PER")]),
        ("WRITER", [("P50", TAIL, "PER")]),
        ("POLITICIAN", [("P102", HEAD, "PER"), ("P6", TAIL, "PER"), ("P35", TAIL, "PER")]),
        ("ATHLETE", [("P54", HEAD, "PER")]),
        ("MILITARY_CONFLICT", [("P607", TAIL, "MISC")]),
        ("EVENT", [("P1344", TAIL, "MISC"), ("P710", HEAD, "MISC")]),
        ("VIDEO_GAME", [("P178", HEAD, "MISC"), ("P400", HEAD, "MISC")]),
        ("COMPUTING_PLATFORM", [("P400", TAIL, "MISC ORG")]),
        ("FILM_OR_TV_SHOW", [("P161", HEAD, "MISC"), ("P57", HEAD, "MISC"), ("P58", HEAD, "MISC"),
                             ("P272", HEAD, "MISC"), ("P449", HEAD, "MISC")]),
        ("MUSICAL_WORK", [("P175", HEAD, "MISC"), ("P264", HEAD, "MISC"), ("P676", HEAD, "MISC")]),
        ("WRITTEN_WORK", [("P50", HEAD, "MISC")]),
        ("GENRE", [("P136", TAIL, "MISC")]),
        ("LANGUAGE", [("P1412", TAIL, "MISC LOC"), ("P37", TAIL, "MISC LOC"), ("P364", TAIL, "MISC LOC")]),
        ("BODY_OF_WATER", [("P206", TAIL, "LOC"), ("P403", TAIL, "LOC"), ("P403", HEAD, "LOC")]),
        ("CONTINENT", [("P30", TAIL, "LOC")]),
        ("TERRAIN_FEATURE", [("P706", TAIL, "LOC")]),
        ("COUNTRY", [("P17", TAIL, "LOC"), ("P27", TAIL, "LOC"), ("P495", TAIL, "LOC")]),
    )
)
ROLE_NAMES = tuple(role for role, _ in ROLES)
# never trained: the Wikipedia zero-shot measurement. None of them is a label of another corpus.
HELD_OUT_ROLES = frozenset({"AWARD", "RECORD_LABEL", "POLITICAL_PARTY", "LEGISLATURE", "FICTIONAL_CHARACTER",
                            "BODY_OF_WATER"})


def entity_roles(doc: dict) -> dict[int, str]:
    """vertexSet index -> its role (the first of ROLES that one of its relations gives it)."""
    coarse = {i: (ent[0].get("type") if ent and isinstance(ent[0], dict) else None)
              for i, ent in enumerate(doc["vertexSet"])}
    sides: dict[int, set[tuple[str, str]]] = {}
    for rel in doc.get("labels") or ():
        if not isinstance(rel, dict):
            continue
        r, h, t = rel.get("r"), rel.get("h"), rel.get("t")
        if isinstance(h, int) and isinstance(t, int) and h in coarse and t in coarse:
            sides.setdefault(h, set()).add((r, HEAD))
            sides.setdefault(t, set()).add((r, TAIL))
    out: dict[int, str] = {}
    for i, found in sides.items():
        for role, rules in ROLES:
            if any((rel, side) in found and coarse[i] in types for rel, side, types in rules):
                out[i] = role
                break
    return out


def _reader(roles: frozenset[str]):
    def read(folder: Path, split: str) -> Iterator[Example]:
        dropped: Counter[str] = Counter()
        for doc, text, offsets, where in documents(folder, split):
            spans: set[tuple[int, int, str]] = set()
            for i, role in entity_roles(doc).items():
                if role in roles:
                    spans.update((s, e, role) for s, e, _ in entity_spans(doc["vertexSet"][i], offsets, where, dropped))
            yield from chunks(doc, text, spans, dropped)
        if dropped:
            log.info("re_docred roles %s: dropped %s", split, dict(sorted(dropped.items())))
    return read


_LICENCE = "annotations MIT (Re-DocRED repository); Wikipedia text CC BY-SA"
_CITATION = ("Tan, Xu, Bing, Ng and Aljunied, 2022, Revisiting DocRED - Addressing the False Negative Problem in "
             "Relation Extraction, EMNLP; Yao et al., 2019, DocRED, ACL")
register(Corpus("re_docred_roles", "re_docred", _reader(frozenset(ROLE_NAMES) - HELD_OUT_ROLES),
                licence=_LICENCE, citation=_CITATION))
register(Corpus("re_docred_roles_heldout", "re_docred", _reader(HELD_OUT_ROLES), licence=_LICENCE, citation=_CITATION))
