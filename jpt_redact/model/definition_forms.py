"""Forms of a definition for the embedding channel: as written, or its gist.

The definition encoder mean-pools a sentence embedding. Long Appendix-D definitions (examples,
exclusions that name the sibling types) embed close to each other, so similar types become
hard to tell apart by their embeddings (docs/training.md, "which channel wants which
definition"). The gist keeps what the type is: the first sentence without its parentheses
and without exclusion sentences. The prompt always shows the definition as written.
"""
from __future__ import annotations

import re

EMBED_FORMS = ("as_written", "gist")
_EXCLUSION = re.compile(r"(?:Excludes?|Not|Never|Does not|Do not|But not|Other than)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


def positive_part(definition: str) -> str:
    """The definition without its exclusion sentences ('Excludes bands ...', 'Not order numbers.')."""
    kept = [s for s in _SENTENCE_END.split(definition.strip()) if not _EXCLUSION.match(s)]
    return " ".join(kept) if kept else definition.strip()


def gist(definition: str) -> str:
    """The first non-exclusion sentence without parentheses (examples); the definition if that is empty."""
    first = _SENTENCE_END.split(positive_part(definition))[0]
    short = re.sub(r"\s*\([^()]*\)", "", first).strip().rstrip(".")
    return short + "." if len(short) >= 3 else definition.strip()


def embedding_text(definition: str, form: str) -> str:
    if form == "as_written":
        return definition
    if form == "gist":
        return gist(definition)
    raise ValueError(f"unknown embedding form {form!r} (use one of {', '.join(EMBED_FORMS)})")
