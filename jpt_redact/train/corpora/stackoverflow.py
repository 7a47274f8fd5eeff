"""StackOverflow NER (Tabassum et al., ACL 2020): software entities in StackOverflow posts.

Files: `StackOverflow/train.txt` and `dev.txt`, one line `token<TAB>NE tag<TAB>token<TAB>markdown
tag`; the human annotation is column 2 (column 4 is the writer's own markdown, not read).
`test.txt` and `GitHub/GH_test_set.txt` are the corpus's test sets and are never read.

Sentences are regrouped into posts: a `Question_ID : n` or `Answer_to_Question_ID : n` line
opens a post; those header lines and `Question_URL : ...` are dropped, since they are
scaffolding added by the corpus, not post text. Code blocks and program output were replaced
by the authors with placeholders (`CODE_BLOCK : Q_4780 ( code omitted for annotation )`,
tagged Code_Block/Output_Block); a placeholder is markup of the corpus, never seen in real text,
so it is cut out. Inline code and output inside prose keep their tags. Sentences of a post are
joined with newlines (posts are line-oriented and sentences often lack end punctuation) and
posts are cut into pieces with `chunk_document`.
"""
from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Iterator

from ...data import Example
from ...data.conll import _decode  # the package's lenient BIO decoder (7 stray I- tags here)
from ...errors import DataError
from . import Corpus, register
from ._chunk import chunk_document

log = logging.getLogger(__name__)

_FILES = {"train": "train.txt", "dev": "dev.txt"}
_POST_HEADERS = {"Question_ID": "question", "Answer_to_Question_ID": "answer"}
_PLACEHOLDERS = {"CODE_BLOCK", "OP_BLOCK"}
# 'Licence' has a single mention in train, a protocol mis-tagged as a licence: not learnable.
_DROP_LABELS = {"Licence"}

Sentence = list[tuple[str, str]]  # (token, tag)


def _sentences(path: Path) -> Iterator[tuple[int, Sentence]]:
    """(first line number, [(token, tag)]) per blank-line separated sentence."""
    try:
        fh = open(path, encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{path}: cannot open ({exc.strerror})") from None
    cur: Sentence = []
    first = 0
    with fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.rstrip("\n").rstrip("\r")
            if not line.strip():
                if cur:
                    yield first, cur
                cur = []
                continue
            cols = line.split("\t")
            if len(cols) < 2:
                raise DataError(f"{path}:{lineno}: expected token<TAB>tag, found {len(cols)} column(s)")
            tok, tag = cols[0].strip(), cols[1].strip()
            if not tok or not (tag == "O" or (tag[:2] in ("B-", "I-") and len(tag) > 2)):
                raise DataError(f"{path}:{lineno}: empty token or malformed tag")
            if not cur:
                first = lineno
            cur.append((tok, tag))
    if cur:
        yield first, cur


def _strip_placeholders(sent: Sentence, where: str, dropped: Counter) -> Sentence:
    """Remove `CODE_BLOCK : <id> ( code omitted for annotation )` runs (and OP_BLOCK ones)."""
    out: Sentence = []
    i = 0
    while i < len(sent):
        tok = sent[i][0]
        if tok in _PLACEHOLDERS and i + 1 < len(sent) and sent[i + 1][0] == ":":
            j = i + 2
            while j < len(sent) and sent[j][0] != ")":
                j += 1
            if j == len(sent) or "omitted" not in {t for t, _ in sent[i:j]}:
                raise DataError(f"{where}: unterminated {tok} placeholder")
            dropped["placeholder block"] += 1
            i = j + 1
            continue
        out.append(sent[i])
        i += 1
    return out


def _post_example(sents: list[Sentence], meta: dict, dropped: Counter) -> list[Example]:
    parts: list[str] = []
    spans = []
    pos = 0
    for sent in sents:
        offs = []
        for tok, _ in sent:
            offs.append((pos, pos + len(tok)))
            pos += len(tok) + 1
        parts.append(" ".join(t for t, _ in sent))
        for i, j, typ in _decode([t for _, t in sent], "bio"):
            if typ in _DROP_LABELS:
                dropped[f"label {typ}"] += 1
            else:
                spans.append((offs[i][0], offs[j - 1][1], typ))
    text = "\n".join(parts)  # each sentence's tokens + one separator: offsets above stay exact
    return chunk_document(text, spans, meta=meta)


def _read(folder: Path, split: str) -> Iterator[Example]:
    if split not in _FILES:
        raise DataError(f"stackoverflow: unknown split {split!r}")
    path = folder / "StackOverflow" / _FILES[split]
    dropped: Counter[str] = Counter()
    meta: dict | None = None
    post: list[Sentence] = []
    n_answers = 0
    for lineno, sent in _sentences(path):
        head = sent[0][0]
        if head in _POST_HEADERS:
            if meta is not None and post:
                yield from _post_example(post, meta, dropped)
            qid = sent[2][0] if len(sent) > 2 else ""
            kind = _POST_HEADERS[head]
            n_answers = n_answers + 1 if kind == "answer" else 0
            meta = {"doc_id": f"{kind}-{qid}" + (f"-{n_answers}" if kind == "answer" else ""),
                    "question_id": qid, "post": kind}
            post = []
            continue
        if head == "Question_URL":
            continue
        if meta is None:
            raise DataError(f"{path}:{lineno}: text before the first Question_ID header")
        sent = _strip_placeholders(sent, f"{path}:{lineno}", dropped)
        if sent:
            post.append(sent)
    if meta is None:
        raise DataError(f"{path}: no posts found")
    if post:
        yield from _post_example(post, meta, dropped)
    if dropped:
        log.info("stackoverflow %s: dropped %s", split, dict(sorted(dropped.items())))


register(Corpus(
    "stackoverflow", "stackoverflow_ner", _read, splits=("train", "dev"),
    licence="annotations MIT (StackOverflowNER repository); post text from StackOverflow, CC BY-SA",
    citation="Tabassum, Maddela, Xu and Ritter, 2020, Code and Named Entity Recognition in StackOverflow, ACL",
))
