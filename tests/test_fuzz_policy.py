"""Property tests of policy loading (issue 14 campaign): any text, any mutation of a shipped
policy, any user regex. A policy is a Policy or a PolicyError (one line, naming the field),
never another exception; a Redactor built from an accepted policy starts or refuses with a
typed error; an accepted regex is linted without raising and runs under its time limit or
fails closed with a DetectionError.
"""
from __future__ import annotations

import copy

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fuzz_support import HOSTILE, examples
from jpt_redact import safe_regex
from jpt_redact.errors import DetectionError, JPTRedactError, PolicyError
from jpt_redact.policy import BUILTIN_POLICIES, builtin_policy_path, lint_policy, parse_policy
from jpt_redact.redactor import Redactor

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
FIELDS = ["name", "entities", "definition", "action", "patterns", "regex", "score", "recognizers", "threshold",
          "model", "model_requires", "deny_list", "allow_list", "priority", "defaults", "audit", "hash_key_env",
          "value", "mask", "replace", "hash", "template", "keep_last", "PERSON", "US_SSN", "backbone", "checkpoint"]
YAML_BITS = st.one_of(st.sampled_from(FIELDS), st.sampled_from([": ", "\n", "  ", "- ", "[", "]", "{", "}", ", ", "'", '"',
                                                               "&a ", "*a", "!!python/object ", "<<: ", "? ", "|", ">",
                                                               "%YAML 1.1\n", "---\n", "...", "#", "\t", "0x1F", "1e9",
                                                               "~", "true", "null", "\\", "\x00", "\ufeff"]),
                      st.text(max_size=6))


def _policy_or_error(text: str):
    try:
        return parse_policy(text, source="fuzz.yaml")
    except PolicyError as exc:
        message = str(exc)
        assert message.startswith("fuzz.yaml") and "\n" not in message and "Traceback" not in message
        return None


@settings(max_examples=examples("policy_yaml"), **SETTINGS)
@given(st.lists(YAML_BITS, max_size=40).map("".join))
def test_any_text_is_a_policy_or_a_policy_error(text):
    _policy_or_error(text)


BASES = {name: yaml.safe_load(builtin_policy_path(name).read_text()) for name in BUILTIN_POLICIES}
ODD_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(), st.text(max_size=20),
                       st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.sampled_from(FIELDS), st.integers(), max_size=2),
                       st.sampled_from(["(a|aa)+b", "[", "(?P<value>x)", "\\d{99999999}", "JPT_REDACT_KEY", "HOME",
                                        "../../etc/passwd", "mask", "pseudonymize", "nope"]))


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


@st.composite
def mutated_policies(draw):
    doc = copy.deepcopy(BASES[draw(st.sampled_from(sorted(BASES)))])
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(doc) if p]
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        what = draw(st.sampled_from(["replace", "delete", "add"]))
        if what == "delete":
            del parent[path[-1]]
        elif what == "replace":
            parent[path[-1]] = draw(ODD_VALUES)
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(FIELDS))] = draw(ODD_VALUES)
        else:
            parent.append(draw(ODD_VALUES))
    return yaml.safe_dump(doc, allow_unicode=True)


@settings(max_examples=examples("policy_mutations"), **SETTINGS)
@given(mutated_policies())
def test_mutated_shipped_policies_load_or_fail_with_a_policy_error(text):
    policy = _policy_or_error(text)
    if policy is None:
        return
    try:
        Redactor.from_policy(policy, use_model=False)  # recognizers started, operators built (item 12)
    except JPTRedactError as exc:
        assert "\n" not in str(exc)


REGEX_BITS = st.sampled_from(["a", "b", "\\d", "\\w", "\\s", ".", "(", ")", "(?:", "(?P<value>", "[", "]", "[^a]",
                              "|", "+", "*", "?", "{2}", "{1,3}", "{99999}", "^", "$", "\\b", "(?=", "(?<=", "(?!",
                              "\\1", "C-", "\\", "(?i)", "++", "*?"])
TARGETS = st.one_of(HOSTILE, st.text(st.sampled_from("ab1 C-\n"), max_size=60))


@pytest.fixture(autouse=True)
def _short_time_limit(monkeypatch):
    monkeypatch.setattr(safe_regex, "BASE_TIMEOUT_S", 0.05)  # a catastrophic pattern stops quickly


@settings(max_examples=examples("user_regexes"), **SETTINGS)
@given(st.lists(REGEX_BITS, min_size=1, max_size=10).map("".join), TARGETS)
@example("(a{99999}){99999}", "aaaa")  # unrolled at compile time: exhausted CI's memory before the size bound
def test_any_user_regex_is_refused_or_runs_fail_closed(pattern, text):
    # item 5: user patterns run under the regex module with a time limit; policy validate lints them
    source = "name: r\nentities:\n  CODE:\n    definition: 'a code the fuzzer wrote'\n    model: false\n" \
             f"    patterns: [{{name: p, regex: {yaml.safe_dump(pattern, default_style=chr(39)).strip()}}}]\n"
    policy = _policy_or_error(source)
    if policy is None:
        return
    for problem in lint_policy(policy):
        assert problem.startswith("fuzz.yaml") and "\n" not in problem
    redactor = Redactor.from_policy(policy, use_model=False)
    try:
        result = redactor.redact(text)
    except DetectionError as exc:
        assert text not in str(exc) or len(text) < 3
        return
    assert len(result.findings) <= len(text)

