"""safe_regex's compile-time bound: `regex` unrolls counted repeats when it compiles, so a policy
regex such as `(a{99999}){99999}` exhausted memory before any text was read (CI was killed by
the OOM killer on a fuzzed pattern). The size is estimated from the pattern text, before
compiling, and over the limit the pattern is refused with a one-line typed error."""
from __future__ import annotations

import pytest

from jpt_redact import safe_regex
from jpt_redact.errors import PolicyError
from jpt_redact.policy import parse_policy


@pytest.mark.parametrize("pattern, size", [
    ("abc", 3),
    (r"\d{3}-\d{2}-\d{4}", 11),
    ("a{5}", 5),
    ("a{2,7}", 7),
    ("a{3,}", 3),
    ("x{,5}", 5),
    ("a*b+c?", 3),
    ("(ab){3}", 6),
    ("(?:a{10}){10}", 110),  # ":" counts as an atom: the group syntax over-estimates a little
    (r"\p{L}{4}", 4),
    ("[a-z{}]{5}", 5),
    ("[[:alpha:]]{2}", 2),
    ("a(?#a comment {999})b", 2),
    ("a|b|c", 3),
])
def test_expanded_size(pattern, size):
    assert safe_regex.expanded_size(pattern) == size


@pytest.mark.parametrize("pattern", ["(a{99999}){99999}", r"\d{99999999}", "(a{999}){999}", "((a){400}){400}",
                                     "(?:a{2}){99999}", r"[\w]{1,200000}"])
def test_patterns_that_unroll_past_the_limit_are_refused_before_compiling(pattern):
    with pytest.raises(safe_regex.RegexTooLarge) as caught:
        safe_regex.compile(pattern, name="p")
    assert "\n" not in str(caught.value)
    with pytest.raises(ValueError):
        safe_regex.check_syntax(pattern)


@pytest.mark.parametrize("pattern", ["a{99999}", r"(?P<value>\d{1,30})", r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}"])
def test_ordinary_counts_compile(pattern):
    safe_regex.compile(pattern, name="p")


def test_a_long_deny_list_alternation_is_not_refused_for_its_length():
    words = [f"word{i:06d}" for i in range(20_000)]
    pattern = "(?:" + "|".join(words) + ")"
    assert safe_regex.expanded_size(pattern) > safe_regex.MAX_EXPANDED_SIZE
    assert safe_regex.compile(pattern, name="deny").search("x word019999 y")


def test_a_policy_with_an_unrolling_regex_is_a_policy_error_naming_the_field():
    source = ("name: r\nentities:\n  CODE:\n    definition: 'a code a policy author wrote'\n    model: false\n"
              "    patterns: [{name: p, regex: '(a{99999}){99999}'}]\n")
    with pytest.raises(PolicyError) as caught:
        parse_policy(source, source="p.yaml")
    message = str(caught.value)
    assert message.startswith("p.yaml") and "regex" in message and "unroll" in message and "\n" not in message
