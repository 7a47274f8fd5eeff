"""`python -m jpt_redact.train.corpora`: the registered corpora as a markdown table (docs/data.md)."""
from __future__ import annotations

from . import CORPORA
from ..label_defs import load_corpus_definitions


def main() -> None:
    defs = load_corpus_definitions()
    all_labels = set()
    print("| corpus | folder | splits | raw labels | canonical labels | language | licence |")
    print("|---|---|---|---|---|---|---|")
    for name, c in sorted(CORPORA.items()):
        labels = defs[name].labels
        canon = {ld.label for ld in labels.values()}
        all_labels |= canon
        print(f"| `{name}` | {c.folder} | {', '.join(c.splits)} | {len(labels)} | {len(canon)} | {c.language} | {c.licence} |")
    pii = {ld.label for ld in defs["pii"].labels.values()}
    print(f"\n{len(CORPORA)} corpora; {len(all_labels)} distinct canonical labels, "
          f"{len(all_labels | pii)} with the synthetic generator's {len(pii)} PII labels.")


if __name__ == "__main__":
    main()
