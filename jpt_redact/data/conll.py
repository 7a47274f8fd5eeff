"""CoNLL-style files: one token a line, the tag in the last column, blank line between sentences.

`-DOCSTART-` and `# id ...` header lines are skipped. Text is rebuilt by joining the tokens
with single spaces, so offsets are exact by construction. BIO/IOB2, IOB1 and IO tagging are
all understood (`scheme="auto"` picks per file). Errors name the file and line, never text.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from ..errors import DataError
from .examples import Example, validate_spans

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
