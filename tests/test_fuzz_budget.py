"""The campaign's size (issue 14): at least 10,000 generated cases per CI run, every budget
entry spent by one property test, and no campaign test with a hard-coded example count."""
from __future__ import annotations

import re
from pathlib import Path

from fuzz_support import BUDGET

HERE = Path(__file__).parent
CAMPAIGN = sorted(HERE.glob("test_fuzz_*.py"))


def test_the_campaign_generates_at_least_ten_thousand_cases():
    assert sum(BUDGET.values()) >= 10_000


def test_every_budget_entry_is_spent_and_none_is_hard_coded():
    used: dict[str, list[str]] = {}
    for path in CAMPAIGN:
        source = path.read_text()
        for name in re.findall(r'examples\("(\w+)"\)', source):
            used.setdefault(name, []).append(path.name)
        assert not re.search(r"max_examples=\d", source), f"{path.name}: use fuzz_support.examples()"
    assert sorted(used) == sorted(BUDGET)
    assert all(len(files) == 1 for files in used.values()), used
