"""Training and evaluation examples: one in-memory shape, several on-disk formats.

Every reader yields `Example`s whose spans are character offsets into `text`. Malformed input
raises `DataError` naming the file and line; messages never quote document text.

Formats:
- CoNLL (`read_conll`): one token a line, the tag in the last column, blank line between
  sentences; `-DOCSTART-` and `# id ...` header lines are skipped. Text is rebuilt by joining
  the tokens with single spaces, so offsets are exact by construction. BIO/IOB2, IOB1 and IO
  tagging are all understood (`scheme="auto"` picks per file).
- JSONL (`read_jsonl`/`write_jsonl`): `{"text", "spans": [{"start","end","label"}], "types"?}`.
- span JSON (`read_span_json`): a JSON list of `{text, spans|entities: [{start, end, label|entity_type}]}`.
- Presidio-evaluator InputSample JSON (`read_presidio_json`): `full_text` + `spans` with
  `entity_type`, `start_position`, `end_position`. For evaluation sets only.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import DataError

SpanTuple = tuple[int, int, str]


@dataclass
class Example:
    """A text with gold spans and (optionally) the entity types it is annotated for.

    `types` maps each label the example is annotated for to its definition. `None` means the
    raw data did not say; sampling fills it in before training.
    """

    text: str
    spans: list[SpanTuple]
    types: dict[str, str] | None = None
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "text": self.text,
            "spans": [{"start": s, "end": e, "label": lab} for s, e, lab in self.spans],
        }
        if self.types is not None:
            d["types"] = dict(self.types)
        if self.source:
            d["source"] = self.source
        if self.meta:
            d["meta"] = dict(self.meta)
        return d

    def labels(self) -> set[str]:
        return {lab for _, _, lab in self.spans}


def validate_spans(text: str, spans: Iterable[SpanTuple], where: str) -> list[SpanTuple]:
    """Check offsets lie inside the text and are non-empty; return them sorted."""
    out = []
    for s, e, lab in spans:
        if not isinstance(s, int) or not isinstance(e, int) or isinstance(s, bool) or isinstance(e, bool):
            raise DataError(f"{where}: span offsets must be integers")
        if not (0 <= s < e <= len(text)):
            raise DataError(f"{where}: span {s}..{e} ({lab}) is outside the text (length {len(text)})")
        if not isinstance(lab, str) or not lab:
            raise DataError(f"{where}: span {s}..{e} has no label")
        out.append((s, e, lab))
    out.sort(key=lambda t: (t[0], t[1], t[2]))
    return out


# ---------------------------------------------------------------- CoNLL


def _split_tag(tag: str) -> tuple[str, str | None]:
    """'B-PER' -> ('B', 'PER'); 'O' -> ('O', None); a bare type in IO files -> ('I', type)."""
    if tag == "O" or tag == "0":
        return "O", None
    if len(tag) > 2 and tag[1] in "-_" and tag[0] in "BIESLU":
        return tag[0], tag[2:]
    return "I", tag  # IO-style files whose tags are bare types


def _decode(tags: list[str], scheme: str) -> list[tuple[int, int, str]]:
    """Token-index spans [i, j) from a tag sequence.

    bio: B (or S/U) starts a span; I continues a span of the same type or, after O or another
         type, starts one (lenient, so IOB1 files decode correctly too); E/L/S/U close it.
    io:  prefixes are ignored; a run of tokens of one type is one span.
    """
    spans: list[tuple[int, int, str]] = []
    cur: list | None = None
    for i, tag in enumerate(tags):
        prefix, typ = _split_tag(tag)
        if typ is None:
            if cur:
                spans.append(tuple(cur))
            cur = None
            continue
        starts = scheme == "bio" and prefix in ("B", "S", "U")
        if cur is not None and cur[2] == typ and not starts:
            cur[1] = i + 1
        else:
            if cur:
                spans.append(tuple(cur))
            cur = [i, i + 1, typ]
        if scheme == "bio" and prefix in ("E", "L", "S", "U"):
            spans.append(tuple(cur))
            cur = None
    if cur:
        spans.append(tuple(cur))
    return spans


def _sentence_example(tokens: list[str], tags: list[str], scheme: str, source: str, where: str) -> Example:
    offsets = []
    pos = 0
    for tok in tokens:
        offsets.append((pos, pos + len(tok)))
        pos += len(tok) + 1
    text = " ".join(tokens)
    spans = [(offsets[i][0], offsets[j - 1][1], typ) for i, j, typ in _decode(tags, scheme)]
    return Example(text=text, spans=validate_spans(text, spans, where), types=None, source=source)


def read_conll(path: str | os.PathLike, scheme: str = "auto", *, source: str | None = None) -> Iterator[Example]:
    """Yield one Example per sentence of a CoNLL-style file (tag = last column).

    `scheme` is "auto", "bio" (also accepts IOB1/IOBES prefixes) or "io".
    """
    if scheme not in ("auto", "bio", "io"):
        raise DataError(f"unknown tagging scheme {scheme!r} (use auto, bio or io)")
    p = Path(path)
    src = source if source is not None else p.stem
    if scheme == "auto":
        # One scheme per file: a file with any B- tag is BIO; files with none are IO/IOB1.
        scheme = "bio" if _file_has_b_tags(p) else "io"
    tokens: list[str] = []
    tags: list[str] = []
    first_line = 0
    try:
        fh = open(p, encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{p}: cannot open ({exc.strerror})") from None
    with fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.rstrip("\n").rstrip("\r")
            if not line.strip():
                if tokens:
                    yield _sentence_example(tokens, tags, scheme, src, f"{p}:{first_line}")
                tokens, tags = [], []
                continue
            if line.startswith("-DOCSTART-") or line.startswith("# id "):
                continue
            if "\t" in line:
                cols = line.split("\t")
                if len(cols) >= 2 and not cols[0].strip():
                    continue  # a whitespace-only token (seen in BTC) adds nothing to the text
            else:
                cols = [c for c in line.split(" ") if c != ""]
            if len(cols) < 2:
                raise DataError(f"{p}:{lineno}: expected a token and a tag, found {len(cols)} column(s)")
            tok, tag = cols[0].strip(), cols[-1].strip()
            if not tok or not tag:
                raise DataError(f"{p}:{lineno}: empty token or tag")
            prefix, typ = _split_tag(tag)
            if typ is not None and not typ.strip():
                raise DataError(f"{p}:{lineno}: malformed tag")
            if not tokens:
                first_line = lineno
            tokens.append(tok)
            tags.append(tag)
    if tokens:
        yield _sentence_example(tokens, tags, scheme, src, f"{p}:{first_line}")


def _file_has_b_tags(p: Path) -> bool:
    try:
        with open(p, encoding="utf-8") as fh:
            for line in fh:
                line = line.rstrip("\n")
                if line and not line.startswith(("-DOCSTART-", "# id ")):
                    tag = line.split()[-1] if line.split() else ""
                    if tag.startswith("B-"):
                        return True
    except OSError as exc:
        raise DataError(f"{p}: cannot open ({exc.strerror})") from None
    return False


# ---------------------------------------------------------------- JSON formats


def _span_from_obj(obj: Any, where: str) -> SpanTuple:
    if not isinstance(obj, dict):
        raise DataError(f"{where}: a span must be an object")
    try:
        s = obj["start"] if "start" in obj else obj["start_position"]
        e = obj["end"] if "end" in obj else obj["end_position"]
    except KeyError:
        raise DataError(f"{where}: a span needs start and end") from None
    lab = obj.get("label", obj.get("entity_type", obj.get("type")))
    if lab is None:
        raise DataError(f"{where}: span {s}..{e} needs a label")
    return (s, e, str(lab))


def _example_from_obj(obj: Any, where: str, source: str) -> Example:
    if not isinstance(obj, dict):
        raise DataError(f"{where}: expected an object")
    text = obj.get("text")
    if not isinstance(text, str):
        raise DataError(f"{where}: field 'text' must be a string")
    raw_spans = obj.get("spans", obj.get("entities", []))
    if not isinstance(raw_spans, list):
        raise DataError(f"{where}: field 'spans' must be a list")
    spans = validate_spans(text, [_span_from_obj(s, where) for s in raw_spans], where)
    types = obj.get("types")
    if types is not None:
        if not isinstance(types, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in types.items()):
            raise DataError(f"{where}: field 'types' must map labels to definition strings")
        types = dict(types)
    meta = obj.get("meta") or {}
    if not isinstance(meta, dict):
        raise DataError(f"{where}: field 'meta' must be an object")
    return Example(text=text, spans=spans, types=types, source=str(obj.get("source", source)), meta=dict(meta))


def read_jsonl(path: str | os.PathLike) -> Iterator[Example]:
    p = Path(path)
    try:
        fh = open(p, encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{p}: cannot open ({exc.strerror})") from None
    with fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{p}:{lineno}: invalid JSON ({exc.msg})") from None
            yield _example_from_obj(obj, f"{p}:{lineno}", p.stem)


def _load_json_list(p: Path) -> list:
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(f"{p}: cannot open ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{p}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    if not isinstance(data, list):
        raise DataError(f"{p}:1: expected a JSON list of examples")
    return data


def read_span_json(path: str | os.PathLike) -> Iterator[Example]:
    """A JSON list of {text, spans|entities: [{start, end, label|entity_type}]}. Errors name the item index."""
    p = Path(path)
    for i, obj in enumerate(_load_json_list(p)):
        yield _example_from_obj(obj, f"{p}:item {i}", p.stem)


def read_presidio_json(path: str | os.PathLike) -> Iterator[Example]:
    """presidio-evaluator InputSample JSON: [{full_text, spans: [{entity_type, start_position, end_position}]}].

    Meant for evaluation sets only (such data must not be trained on).
    """
    p = Path(path)
    for i, obj in enumerate(_load_json_list(p)):
        where = f"{p}:item {i}"
        if not isinstance(obj, dict) or not isinstance(obj.get("full_text"), str):
            raise DataError(f"{where}: field 'full_text' must be a string")
        text = obj["full_text"]
        spans = []
        for sp in obj.get("spans") or []:
            if not isinstance(sp, dict) or not {"entity_type", "start_position", "end_position"} <= sp.keys():
                raise DataError(f"{where}: a span needs entity_type, start_position and end_position")
            spans.append((sp["start_position"], sp["end_position"], str(sp["entity_type"])))
        yield Example(text=text, spans=validate_spans(text, spans, where), types=None, source=p.stem,
                      meta={"evaluation_only": True})


def write_jsonl(examples: Iterable[Example], path: str | os.PathLike) -> int:
    """Write examples as JSONL; returns the number written."""
    p = Path(path)
    n = 0
    try:
        with open(p, "w", encoding="utf-8") as fh:
            for ex in examples:
                fh.write(json.dumps(ex.to_dict(), ensure_ascii=False) + "\n")
                n += 1
    except OSError as exc:
        raise DataError(f"{p}: cannot write ({exc.strerror})") from None
    return n


_FORMATS = {
    "conll": read_conll,
    "jsonl": read_jsonl,
    "json": read_span_json,
    "span_json": read_span_json,
    "presidio": read_presidio_json,
}
_EXTENSIONS = {".conll": "conll", ".txt": "conll", ".train": "conll", ".bio": "conll", ".iob": "conll",
               ".jsonl": "jsonl", ".json": "json"}


def load_examples(path: str | os.PathLike, format: str | None = None) -> list[Example]:
    """Read a file in any known format; `format` overrides the guess from the extension.

    A `.json` file whose first item has `full_text` is read as presidio-evaluator JSON.
    """
    p = Path(path)
    fmt = format
    if fmt is None:
        fmt = _EXTENSIONS.get(p.suffix.lower())
        if fmt is None:
            raise DataError(f"{p}: cannot tell the format from the extension; pass format= "
                            f"({', '.join(sorted(_FORMATS))})")
        if fmt == "json":
            data = _load_json_list(p)
            if data and isinstance(data[0], dict) and "full_text" in data[0]:
                fmt = "presidio"
    if fmt not in _FORMATS:
        raise DataError(f"unknown data format {fmt!r} (use one of {', '.join(sorted(_FORMATS))})")
    return list(_FORMATS[fmt](p))


# ---------------------------------------------------------------- label definitions


@dataclass(frozen=True)
class LabelDef:
    """A corpus label's canonical UPPER_SNAKE name, its definitions (first = primary) and kind."""

    label: str
    definitions: tuple[str, ...]
    kind: str = "misc"
    raw: str = ""
    corpus: str = ""

    @property
    def definition(self) -> str:
        return self.definitions[0]


@dataclass(frozen=True)
class CorpusDefs:
    """All label definitions of one corpus plus the kinds never to use as negatives for it."""

    corpus: str
    labels: dict[str, LabelDef]
    exclude_negative_kinds: frozenset[str] = frozenset()
    description: str = ""


def _definitions_dir() -> Path:
    from importlib import resources

    return Path(str(resources.files("jpt_redact.train").joinpath("definitions")))


def _parse_definitions(path: Path) -> CorpusDefs:
    import re

    import yaml

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(f"{path}: cannot open ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise DataError(f"{path}:{(line or 0) + 1}: invalid YAML") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("labels"), dict):
        raise DataError(f"{path}: expected a mapping with 'corpus' and 'labels'")
    corpus = str(doc.get("corpus") or path.stem)
    labels: dict[str, LabelDef] = {}
    for raw, spec in doc["labels"].items():
        raw = str(raw)
        if not isinstance(spec, dict):
            raise DataError(f"{path}: label {raw}: expected a mapping")
        canon = spec.get("label")
        defs = spec.get("definitions")
        if not isinstance(canon, str) or not re.fullmatch(r"[A-Z][A-Z0-9_]{0,63}", canon):
            raise DataError(f"{path}: label {raw}: 'label' must be UPPER_SNAKE_CASE")
        if not isinstance(defs, list) or not defs or not all(isinstance(d, str) and d.strip() for d in defs):
            raise DataError(f"{path}: label {raw}: 'definitions' must be a non-empty list of strings")
        labels[raw] = LabelDef(label=canon, definitions=tuple(d.strip() for d in defs),
                               kind=str(spec.get("kind", "misc")), raw=raw, corpus=corpus)
    return CorpusDefs(corpus=corpus, labels=labels,
                      exclude_negative_kinds=frozenset(doc.get("exclude_negative_kinds") or ()),
                      description=str(doc.get("description", "")))


_DEFS_CACHE: dict[str, dict[str, CorpusDefs]] = {}


def load_corpus_definitions(directory: str | os.PathLike | None = None) -> dict[str, CorpusDefs]:
    """corpus -> CorpusDefs for every *.yaml in the definitions directory (cached)."""
    d = Path(directory) if directory is not None else _definitions_dir()
    key = str(d)
    if key not in _DEFS_CACHE:
        out = {}
        for f in sorted(d.glob("*.yaml")):
            cd = _parse_definitions(f)
            out[cd.corpus] = cd
        if not out:
            raise DataError(f"{d}: no definition files found")
        _DEFS_CACHE[key] = out
    return _DEFS_CACHE[key]


def load_definitions(directory: str | os.PathLike | None = None) -> dict[str, dict[str, LabelDef]]:
    """corpus -> raw label -> LabelDef (canonical label, definitions, kind)."""
    return {c: dict(cd.labels) for c, cd in load_corpus_definitions(directory).items()}


# ---------------------------------------------------------------- corpora on disk

DEFAULT_DATA_ROOT = "/work/shared/data/ner-train"

# corpus -> (folder, train files, dev files). Dev files are held out for validation.
CORPORA: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "wnut17": ("wnut17", ("wnut17train.conll",), ("emerging.dev.conll",)),
    "btc": ("btc", ("a.conll", "b.conll", "e.conll", "f.conll", "g.conll"), ("h.conll",)),
    "sec": ("sec-filings", ("FIN5.txt",), ()),
    "anem": ("anem", ("AnEM.train",), ()),
    "multiconer2": ("multiconer2", ("en-train90.conll", "en-train10.conll"), ("en-dev.conll",)),
}


def load_corpus(name: str, split: str = "train", root: str | os.PathLike | None = None) -> list[Example]:
    """Read a known corpus split as Examples whose `source` is the corpus name.

    `root` defaults to $JPT_REDACT_DATA or /work/shared/data/ner-train. Corpora without an
    official dev file (sec, anem) return [] for split="dev"; hold some out yourself if needed.
    """
    if name not in CORPORA:
        raise DataError(f"unknown corpus {name!r} (known: {', '.join(sorted(CORPORA))})")
    if split not in ("train", "dev"):
        raise DataError(f"unknown split {split!r} (use train or dev)")
    base = Path(root or os.environ.get("JPT_REDACT_DATA") or DEFAULT_DATA_ROOT)
    folder, train, dev = CORPORA[name]
    out: list[Example] = []
    for f in (train if split == "train" else dev):
        out.extend(read_conll(base / folder / f, source=name))
    return out
