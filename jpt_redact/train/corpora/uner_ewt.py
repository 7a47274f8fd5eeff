"""Universal NER, English Web Treebank (Mayhew et al., NAACL 2024): emails, reviews, blogs, Q&A, newsgroups.

Files: `en_ewt-ud-train.FIRST_COMMIT_0c7ce0d.iob2` (train; the repository's current train file
was too large to copy, so this is its first commit) and `en_ewt-ud-dev.iob2` (dev);
`en_ewt-ud-test.iob2` is the corpus's test set and is never read. Each sentence is
`# sent_id`/`# text` comments, then `id<TAB>token<TAB>iob2 tag[<TAB>...]`.

Tags: the first-commit train file carries stray `B-O` tags (read as O) and an `OTH` type
that the released UNER data dropped (dev has none); OTH is read as O, because an OTH
definition would make the untagged nationalities and products of dev text look like negatives.

The `# text` line is the original sentence: tokens are found in it in order (UD tokens are
substrings of it), so examples keep the real spacing ('internet, but'); a sentence whose
tokens cannot be aligned falls back to tokens joined by spaces. Sentences of one document
(the sent_id without its trailing number) are joined by newlines, since most of these
sentences are lines of an email or post, and cut with `chunk_document`.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ...data import Example
from ...data.conll import _decode  # the package's lenient BIO decoder
from ...errors import DataError
from . import Corpus, register
from ._chunk import chunk_document

log = logging.getLogger(__name__)

_FILES = {"train": "en_ewt-ud-train.FIRST_COMMIT_0c7ce0d.iob2", "dev": "en_ewt-ud-dev.iob2"}
_TAG = re.compile(r"O|[BI]-(PER|LOC|ORG|OTH|O)")
_DROP = {"OTH"}
_DOC_ID = re.compile(r"^(.*)-\d+$")


@dataclass
class _Sentence:
    line: int  # first line of the block, for documents without a sent_id
    sent_id: str = ""
    text: str | None = None  # the '# text' comment: the sentence as written
    tokens: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def _sentences(path: Path) -> Iterator[_Sentence]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"{path}: cannot open ({exc.strerror})") from None
    cur: _Sentence | None = None
    for lineno, line in enumerate(lines + [""], 1):
        if not line.strip():
            if cur is not None and cur.tokens:
                yield cur
            cur = None
            continue
        if cur is None:
            cur = _Sentence(lineno)
        if line.startswith("#"):
            key, _, value = line[1:].partition("=")
            key = key.strip()
            if key == "sent_id":
                cur.sent_id = value.strip()
            elif key == "text":
                cur.text = value[1:] if value.startswith(" ") else value
            continue
        cols = line.split("\t")
        if len(cols) < 3 or not cols[1] or not _TAG.fullmatch(cols[2]):
            raise DataError(f"{path}:{lineno}: expected id<TAB>token<TAB>iob2 tag")
        tag = cols[2]
        cur.tokens.append(cols[1])
        cur.tags.append("O" if tag in ("B-O", "I-O") else tag)


def _align(text: str, tokens: list[str]) -> list[tuple[int, int]] | None:
    """Offsets of the tokens found in order in `text`, with only whitespace between them."""
    out = []
    pos = 0
    for tok in tokens:
        i = text.find(tok, pos)
        if i < 0 or text[pos:i].strip():
            return None
        out.append((i, i + len(tok)))
        pos = i + len(tok)
    return out if not text[pos:].strip() else None


def _doc_examples(doc_id: str, sents: list[_Sentence], dropped: Counter) -> list[Example]:
    parts: list[str] = []
    spans = []
    base = 0
    for sent in sents:
        offs = _align(sent.text, sent.tokens) if sent.text is not None else None
        if offs is None:
            dropped["sentence text not aligned (tokens joined)"] += 1
            text, offs, p = " ".join(sent.tokens), [], 0
            for tok in sent.tokens:
                offs.append((p, p + len(tok)))
                p += len(tok) + 1
        else:
            text = sent.text
        for i, j, typ in _decode(sent.tags, "bio"):
            if typ in _DROP:
                dropped[f"label {typ}"] += 1
                continue
            spans.append((base + offs[i][0], base + offs[j - 1][1], typ))
        parts.append(text)
        base += len(text) + 1
    genre = doc_id.split("-", 1)[0]
    return chunk_document("\n".join(parts), spans, meta={"doc_id": doc_id, "genre": genre})


def _read(folder: Path, split: str) -> Iterator[Example]:
    if split not in _FILES:
        raise DataError(f"uner_ewt: unknown split {split!r}")
    path = folder / _FILES[split]
    dropped: Counter[str] = Counter()
    doc_id, doc = None, []
    n = 0
    for sent in _sentences(path):
        n += 1
        m = _DOC_ID.match(sent.sent_id)
        sid = m.group(1) if m else sent.sent_id or f"line{sent.line}"
        if sid != doc_id and doc:
            yield from _doc_examples(doc_id, doc, dropped)
            doc = []
        doc_id = sid
        doc.append(sent)
    if doc:
        yield from _doc_examples(doc_id, doc, dropped)
    if n == 0:
        raise DataError(f"{path}: no sentences found")
    if dropped:
        log.info("uner_ewt %s: %s", split, dict(sorted(dropped.items())))


register(Corpus(
    "uner_ewt", "uner_en_ewt", _read, splits=("train", "dev"),
    licence="CC BY-SA 4.0 (UNER English-EWT; text from the English Web Treebank / UD_English-EWT)",
    citation="Mayhew et al., 2024, Universal NER: A Gold-Standard Multilingual Named Entity Recognition "
             "Benchmark, NAACL",
))
