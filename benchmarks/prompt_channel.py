"""The shorter prompt channel: short definitions in the prompt, full ones in the embeddings.

    python benchmarks/prompt_channel.py [--policy default] [--out runs/default-short-prompt.yaml]

Writes a copy of the policy in which every model type gets a `prompt_definition`: the leading
clause of its definition (up to the first ':', ' (' or sentence end, at most 12 words: "Names
of real people", "Email addresses", "US Social Security numbers and ITINs"). The definition
encoder still embeds the full definition. Prints both prompts' prefix lengths in tokens.
Quality: `benchmarks/quality.py --policy <out> --no-presidio` beside the same run on the
original policy; speed: `benchmarks/speed.py --variants packed,short-prompt` (side by side).
The short forms are derived by this rule, not written per type, so the figure is reproducible
and says what the rule costs, not what careful short forms could reach.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

MAX_WORDS = 12
_DANGLING = {"a", "an", "and", "or", "of", "on", "the", "with", "without", "to", "in", "for"}


def leading_clause(definition: str) -> str:
    head = re.split(r":|\s\(|\.\s|\.$", definition.strip(), maxsplit=1)[0].strip()
    words = head.split()[:MAX_WORDS]
    while len(words) > 1 and words[-1].lower().strip(",") in _DANGLING:  # "... on a system or" -> "... on a system"
        words.pop()
    return " ".join(words).rstrip(",") if len(head) >= 3 else definition.strip()


def short_prompt_policy(policy):
    """A copy of `policy` whose model types show their leading clause in the prompt."""
    from jpt_redact.policy import Policy

    data = policy.model_dump(exclude_none=True)
    for label, entity in data["entities"].items():
        if entity.get("model", True):
            entity["prompt_definition"] = leading_clause(entity["definition"])
    data["name"] = f"{policy.name}-short-prompt"
    return Policy.model_validate(data)


def prefix_tokens(policy) -> int:
    from jpt_redact.model.backbone import load_tokenizer
    from jpt_redact.model.prompt import build_prompt

    return len(build_prompt(load_tokenizer(policy.model.backbone), policy.model_types()).prefix_ids)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--policy", default="default")
    ap.add_argument("--out", default="runs/default-short-prompt.yaml")
    args = ap.parse_args(argv)
    import yaml

    from jpt_redact.policy import load_policy

    policy = load_policy(args.policy)
    short = short_prompt_policy(policy)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(short.model_dump(exclude_none=True, mode="json"), sort_keys=False,
                                  allow_unicode=True))
    for label, definition in short.model_types().items():
        print(f"{label:16s} {definition.prompt}")
    print(f"prefix tokens: full {prefix_tokens(policy)}, short prompt {prefix_tokens(short)}; wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
