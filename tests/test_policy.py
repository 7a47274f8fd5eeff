"""Loading and validating policies: every built-in loads; every kind of mistake gives a
line-numbered PolicyError that names the field and never echoes document text."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from jpt_redact.errors import PolicyError
from jpt_redact.policy import (
    BUILTIN_POLICIES,
    ActionSpec,
    Policy,
    builtin_policy_path,
    load_policy,
    parse_policy,
    policy_json_schema,
)

DOCS = Path(__file__).resolve().parent.parent / "docs"

GOOD = """\
name: t
version: "3"
defaults:
  action: mask
  threshold: 0.4
entities:
  PERSON:
    definition: Names of people.
    action: {replace: {numbered: true}}
    threshold: 0.6
  CARD:
    definition: Payment card numbers.
    action: {type: mask, keep_last: 4}
    model: false
    recognizers: [credit_card]
    patterns:
      - name: card16
        regex: '\\d{16}'
        validator: luhn
    allow_list: ["4111111111111111"]
    deny_list: [secret-card]
    presidio_entity: CREDIT_CARD
    priority: 2
"""


@pytest.mark.parametrize("name", BUILTIN_POLICIES)
def test_builtin_policies_load_by_name_and_path(name: str) -> None:
    policy = load_policy(name)
    assert policy.name == name
    assert load_policy(name + ".yaml") == policy
    path = builtin_policy_path(name)
    assert path is not None and load_policy(path) == policy
    assert policy.source == str(path)


def test_valid_policy_and_derived_views() -> None:
    p = parse_policy(GOOD)
    assert p.version == "3"
    assert p.action_for("PERSON") == ActionSpec(type="replace", params={"numbered": True})
    assert p.action_for("CARD") == ActionSpec(type="mask", params={"keep_last": 4})
    assert p.action_for("UNKNOWN") == ActionSpec(type="mask")
    assert p.threshold_for("PERSON") == 0.6 and p.threshold_for("CARD") == 0.4
    assert p.model_types() == {"PERSON": "Names of people."}
    assert p.entities["CARD"].patterns[0].score == 0.85
    assert len(p.content_hash) == 64
    assert p.content_hash != parse_policy(GOOD.replace('"3"', '"4"')).content_hash
    assert load_policy(p) is p


def test_prompt_definition_goes_to_the_prompt_and_the_definition_to_the_embeddings() -> None:
    p = parse_policy(GOOD.replace("definition: Names of people.",
                                  "definition: Names of people.\n    prompt_definition: People"))
    person = p.model_types()["PERSON"]
    assert person == "Names of people." and person.prompt == "People"
    assert p.content_hash != parse_policy(GOOD).content_hash
    with pytest.raises(PolicyError, match="prompt_definition"):
        parse_policy(GOOD.replace("definition: Names of people.",
                                  "definition: Names of people.\n    prompt_definition: ''"))


def test_unquoted_numbers_in_lists_are_errors() -> None:
    # YAML reads 0123 as octal 83; silently converting would allow the wrong value.
    err = _error(GOOD.replace('allow_list: ["4111111111111111"]', "allow_list: [0123]"))
    assert (err.line, err.field) == (20, "entities.CARD.allow_list.0")


def _error(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, source="p.yaml")
    return info.value


@pytest.mark.parametrize(
    ("mutation", "line", "field", "message"),
    [
        (("    threshold: 0.6\n", "    treshold: 0.6\n"), 10, "entities.PERSON.treshold", "unknown field"),
        (("regex: '\\d{16}'", "regex: '(\\d{16}'"), 18, "entities.CARD.patterns.0.regex", "does not compile"),
        (("recognizers: [credit_card]", "model_requires: '(\\d'"), 15, "entities.CARD.model_requires", "does not compile"),
        (("action: {type: mask, keep_last: 4}", "action: {type: blur}"), 13, "entities.CARD.action.type", "unknown operator 'blur'"),
        (("  action: mask\n", "  action: shred\n"), 4, "defaults.action.type", "unknown operator 'shred'"),
        (("recognizers: [credit_card]", "recognizers: [credit_kard]"), 15, "entities.CARD.recognizers", "unknown recognizer 'credit_kard'"),
        (('version: "3"\n', 'version: "3"\nmodel: {backend: cuda}\n'), 3, "model.backend", "unknown backend 'cuda'"),
        (('version: "3"\n', 'version: "3"\nmodel: {onnx_precision: int4}\n'), 3, "model.onnx_precision", "'auto', 'fp32' or 'int8'"),
        (('version: "3"\n', 'version: "3"\nmodel:\n  backend_options: {precision: int8}\n'), 4, "model.backend_options", "model.onnx_precision"),
        (("validator: luhn", "validator: crc32"), 19, "entities.CARD.patterns.0.validator", "validator must be"),
        (("validator: luhn", "validator: stdnum:xx.nothing"), 19, "entities.CARD.patterns.0.validator", "no module"),
        (("  CARD:\n", "  card:\n"), 11, "entities.card", "UPPER_SNAKE_CASE"),
        (("    threshold: 0.6\n", "    threshold: 1.5\n"), 10, "entities.PERSON.threshold", "less than 1"),
        (("    definition: Names of people.\n", ""), 7, "entities.PERSON.definition", "required field is missing"),
        (("priority: 2", "priority: high"), 23, "entities.CARD.priority", "integer"),
    ],
)
def test_validation_errors_have_line_and_field(mutation, line, field, message) -> None:
    old, new = mutation
    assert old in GOOD
    err = _error(GOOD.replace(old, new))
    assert (err.path, err.line, err.field) == ("p.yaml", line, field)
    assert message in str(err)
    assert str(err).startswith(f"p.yaml:{line}: {field}: ")


def test_error_counts_further_problems() -> None:
    err = _error(GOOD.replace("priority: 2", "priority: x\n    colour: red"))
    assert "(and 1 more error)" in str(err)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("name: t\nentities:\n  PERSON: {definition: 'x\n", 4, "invalid YAML"),
        ("name: t\n  bad: indent\n", 2, "invalid YAML"),
        ("- just\n- a list\n", None, "must be a YAML mapping"),
        ("", None, "must be a YAML mapping"),
        ("name: t\nentities: {}\n", 2, "at least one entity type"),
        ("entities:\n  PERSON: {definition: Names of people.}\n", 1, "required field is missing"),
    ],
)
def test_malformed_documents(text: str, line: int | None, message: str) -> None:
    err = _error(text)
    assert err.line == line
    assert message in str(err)


def test_errors_do_not_echo_values() -> None:
    err = _error(GOOD.replace("priority: 2", "priority: Jane-Doe-555-0199"))
    assert "Jane-Doe" not in str(err)


def test_missing_file_and_unknown_builtin(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no such policy file"):
        load_policy(tmp_path / "nope.yaml")
    with pytest.raises(PolicyError, match="built-ins: default, gdpr, hipaa, pci, secrets"):
        load_policy("no-such-builtin")


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(PolicyError, match="not UTF-8"):
        load_policy(bad)
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path)  # a directory exists but is not a file


def test_load_from_file_reports_path_and_line(tmp_path: Path) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text(GOOD.replace("    threshold: 0.6\n", "    treshold: 0.6\n"), encoding="utf-8")
    with pytest.raises(PolicyError, match=rf"^{f}:10: entities\.PERSON\.treshold: unknown field"):
        load_policy(f)


def test_policy_is_immutable() -> None:
    p = parse_policy(GOOD)
    with pytest.raises(Exception):
        p.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize("backend", ["auto", "torch", "onnx", "onnx-cpu", "onnx-cuda", "onnx-tensorrt"])
def test_every_installed_backend_can_be_named(backend: str) -> None:
    p = parse_policy(GOOD.replace('version: "3"\n', f'version: "3"\nmodel: {{backend: {backend}}}\n'))
    assert p.model.backend == backend


def test_plugins_are_named_by_open_strings_checked_against_their_registries() -> None:
    from jpt_redact import registry
    from jpt_redact.exporters.operators.base import Operator

    class Shout(Operator):
        name = "shout-test"

        def apply(self, value, label, ctx):
            return value.upper()

    class Ticket:
        name = "pattern:ticket"

        def find(self, text):
            return []

    text = GOOD.replace("action: {type: mask, keep_last: 4}", "action: shout-test").replace(
        "recognizers: [credit_card]", "recognizers: [credit_card, ticket-test]")
    with pytest.raises(PolicyError, match="unknown operator 'shout-test'"):
        parse_policy(text)
    registry.operators.register("shout-test", Shout)
    registry.recognizers.register("ticket-test", Ticket)
    try:
        p = parse_policy(text)
        assert p.action_for("CARD").type == "shout-test" and p.entities["CARD"].recognizers == ["credit_card", "ticket-test"]
    finally:
        registry.operators.unregister("shout-test")
        registry.recognizers.unregister("ticket-test")


def test_with_model_validates_like_loading() -> None:
    p = parse_policy(GOOD, source="p.yaml")
    assert p.with_model(backend="onnx-cuda", onnx_precision="int8").model.backend == "onnx-cuda"
    with pytest.raises(PolicyError, match=r"^p\.yaml: model\.backend: unknown backend 'gpu'"):
        p.with_model(backend="gpu")
    with pytest.raises(PolicyError, match=r"model\.window_overlap"):
        p.with_model(window_overlap=5000)


def test_builtin_policies_are_the_shipped_files() -> None:
    shipped = sorted(p.stem for p in (Path(__file__).resolve().parent.parent / "policies").glob("*.yaml"))
    assert sorted(BUILTIN_POLICIES) == shipped and BUILTIN_POLICIES[0] == "default"


def test_window_overlap_must_be_small() -> None:
    err = _error("name: t\nmodel: {window_tokens: 64, window_overlap: 32}\nentities:\n  A: {definition: Something long.}\n")
    assert err.line == 2 and "window_overlap" in str(err)


def test_committed_json_schema_is_current() -> None:
    committed = json.loads((DOCS / "policy.schema.json").read_text(encoding="utf-8"))
    assert committed == policy_json_schema(), "regenerate: python -m jpt_redact.policy > docs/policy.schema.json"


def test_schema_describes_every_field() -> None:
    schema = policy_json_schema()
    for model in [schema, *schema["$defs"].values()]:
        for name, prop in model.get("properties", {}).items():
            assert prop.get("description"), f"{model.get('title')}.{name} has no description"
    assert Policy.model_fields["entities"].description
