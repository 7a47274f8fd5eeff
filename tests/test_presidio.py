"""Presidio integration: JPTRecognizer in real Presidio engines, YAML, mapping, batching,
threads, and the custom operators against the native SDK. The model is a FakeEngine."""
from __future__ import annotations

import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("presidio_analyzer")
pytest.importorskip("presidio_anonymizer")

from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine, RecognizerResult  # noqa: E402
from presidio_analyzer.recognizer_registry import RecognizerRegistryProvider  # noqa: E402
from presidio_anonymizer import AnonymizerEngine  # noqa: E402
from presidio_anonymizer.entities import InvalidParamError, OperatorConfig  # noqa: E402

from conftest import FailingEngine, FakeEngine  # noqa: E402
from jpt_redact.errors import DetectionError, ModelError, OperatorError, PolicyError  # noqa: E402
from jpt_redact.exporters.operators.apply import get_operator, new_context  # noqa: E402
from jpt_redact.keys import KeyProvider  # noqa: E402
from jpt_redact.exporters.operators.restore import restore_text  # noqa: E402
from jpt_redact.plugins.presidio import (  # noqa: E402
    JPTBatchAnalyzerEngine,
    JPTRecognizer,
    build_analyzer,
    build_anonymizer,
    lightweight_nlp_engine,
    operators_for,
)
from jpt_redact.policy import parse_policy  # noqa: E402
from jpt_redact.redactor import Redactor  # noqa: E402

LONG_PERSON_DEFINITION = (
    "Names of real people: first names, surnames, full names and nicknames (Alice Smith, Bob). Not titles, "
    "honorifics, pronouns, or companies and places named after people."
)
POLICY_YAML = f"""\
name: presidio-test
entities:
  PERSON:
    definition: "{LONG_PERSON_DEFINITION}"
    presidio_entity: PERSON
    action: {{replace: {{numbered: true}}}}
  CITY:
    definition: "The name of a city, town or village."
    presidio_entity: LOCATION
  EMAIL:
    definition: "An email address."
    model: false
    presidio_entity: EMAIL_ADDRESS
    patterns:
      - name: test_email
        regex: '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{{2,}}'
        score: 0.95
  MRN:
    definition: "A medical record number such as MRN-123456."
    model: false
    patterns:
      - {{name: mrn, regex: 'MRN-\\d{{6}}', score: 0.9}}
    action: {{mask: {{char: "#"}}}}
"""
TEXT = "Alice Smith moved to Springfield; mail alice@example.org, MRN-123456, or ask Carol."


@pytest.fixture
def policy():
    return parse_policy(POLICY_YAML)


@pytest.fixture
def no_nlp():
    return lightweight_nlp_engine("en", "none")


@pytest.fixture
def recognizer(policy, fake_engine) -> JPTRecognizer:
    return JPTRecognizer(policy, engine=fake_engine)


def spans(results):
    return sorted((r.entity_type, r.start, r.end) for r in results)


# -- JPTRecognizer ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        (TEXT, [("EMAIL_ADDRESS", 39, 56), ("LOCATION", 21, 32), ("MRN", 58, 68), ("PERSON", 0, 11), ("PERSON", 77, 82)]),
        ("Bob Jones lives in Paris.", [("LOCATION", 19, 24), ("PERSON", 0, 9)]),
        ("Nothing personal here.", []),
        ("", []),
    ],
)
def test_recognizer_table(recognizer, text, expected):
    assert spans(recognizer.analyze(text, entities=[], nlp_artifacts=None)) == sorted(expected)


def test_supported_entities_follow_policy_presidio_names(recognizer, policy):
    assert recognizer.supported_entities == ["PERSON", "LOCATION", "EMAIL_ADDRESS", "MRN"]
    assert recognizer.supported_language == policy.language
    assert recognizer.name == "JPTRecognizer"


def test_explanation_names_recognizer_and_definition(recognizer):
    by_type = {r.entity_type: r for r in recognizer.analyze(TEXT, None)}
    person = by_type["PERSON"].analysis_explanation
    assert person.recognizer == "JPTRecognizer"
    assert person.textual_explanation == "JPT match for definition of PERSON: " + LONG_PERSON_DEFINITION[:120]
    assert len(LONG_PERSON_DEFINITION) > 120  # the definition really is cut
    assert by_type["LOCATION"].analysis_explanation.textual_explanation.startswith("JPT match for definition of CITY: ")
    email = by_type["EMAIL_ADDRESS"]
    assert email.analysis_explanation.textual_explanation == "jpt-redact pattern:test_email match for EMAIL"
    assert email.analysis_explanation.pattern_name == "pattern:test_email"
    assert email.recognition_metadata["jpt_label"] == "EMAIL"
    assert email.recognition_metadata[RecognizerResult.RECOGNIZER_NAME_KEY] == "JPTRecognizer"
    for r in by_type.values():  # the value itself never appears in an explanation
        assert TEXT[r.start : r.end] not in r.analysis_explanation.textual_explanation


def test_added_to_existing_analyzer_engine_then_anonymized(policy, fake_engine, no_nlp):
    analyzer = AnalyzerEngine(nlp_engine=no_nlp, supported_languages=["en"])  # Presidio's own registry
    assert "MRN" not in analyzer.get_supported_entities("en")
    analyzer.registry.add_recognizer(JPTRecognizer(policy, engine=fake_engine))
    assert "MRN" in analyzer.get_supported_entities("en")
    results = analyzer.analyze(TEXT, language="en", return_decision_process=True)
    jpt = [r for r in results if r.recognition_metadata[RecognizerResult.RECOGNIZER_NAME_KEY] == "JPTRecognizer"]
    assert ("PERSON", 0, 11) in spans(jpt) and ("MRN", 58, 68) in spans(jpt)
    out = build_anonymizer(policy).anonymize(TEXT, results)
    assert out.text == "<PERSON_1> moved to <LOCATION>; mail <EMAIL_ADDRESS>, ##########, or ask <PERSON_2>."


def test_entities_filter(recognizer, fake_engine, no_nlp):
    assert spans(recognizer.analyze(TEXT, ["LOCATION", "US_SSN"])) == [("LOCATION", 21, 32)]
    calls = len(fake_engine.calls)
    assert recognizer.analyze("Bob Jones in Paris.", ["US_SSN"]) == []
    assert len(fake_engine.calls) == calls  # nothing asked of the model for foreign entities
    analyzer = build_analyzer(recognizer.redactor, nlp_engine=no_nlp)
    assert spans(analyzer.analyze(TEXT, language="en", entities=["PERSON"])) == [("PERSON", 0, 11), ("PERSON", 77, 82)]


@pytest.mark.parametrize(
    "mapping, expected_entities",
    [
        (None, ["PERSON", "LOCATION", "EMAIL_ADDRESS", "MRN"]),
        ({"CITY": "GPE"}, ["PERSON", "GPE", "EMAIL_ADDRESS", "MRN"]),
        ({"MRN": "MEDICAL_RECORD", "EMAIL": "EMAIL"}, ["PERSON", "LOCATION", "EMAIL", "MEDICAL_RECORD"]),
        ({"CITY": "PERSON"}, ["PERSON", "EMAIL_ADDRESS", "MRN"]),  # two labels may share a name
    ],
)
def test_entity_mapping_overrides(policy, fake_engine, mapping, expected_entities):
    rec = JPTRecognizer(policy, engine=fake_engine, entity_mapping=mapping)
    assert rec.supported_entities == expected_entities
    reported = {r.recognition_metadata["jpt_label"]: r.entity_type for r in rec.analyze(TEXT, None)}
    expected = dict(zip(["PERSON", "CITY", "EMAIL", "MRN"], ["PERSON", "LOCATION", "EMAIL_ADDRESS", "MRN"]))
    expected.update(mapping or {})
    assert reported == expected


@pytest.mark.parametrize("mapping", [{"ZIP": "ZIP"}, {"CITY": ""}, {"CITY": 3}])
def test_bad_entity_mapping(policy, mapping):
    with pytest.raises(PolicyError, match="entity_mapping"):
        JPTRecognizer(policy, use_model=False, entity_mapping=mapping)


def test_accepts_a_loaded_redactor(policy, fake_engine):
    redactor = Redactor(policy, engine=fake_engine)
    rec = JPTRecognizer(redactor)
    assert rec.redactor is redactor and rec.policy is policy
    assert spans(rec.analyze("Carol", None)) == [("PERSON", 0, 5)]


def test_model_loads_once_in_load_and_is_shared_between_threads(policy, monkeypatch):
    import jpt_redact.engine.loader as engine_module

    loads = []
    engine = FakeEngine()

    def fake_load_engine(settings=None):
        loads.append(settings)
        return engine

    monkeypatch.setattr(engine_module, "load_engine", fake_load_engine)
    rec = JPTRecognizer(policy)  # preload: Presidio's model recognizers load in load()
    assert len(loads) == 1
    texts = [f"Note {i}: Alice Smith met Bob Jones in Paris." if i % 2 else f"Item {i}: call Carol." for i in range(64)]
    expected = [spans(rec.analyze(t, None)) for t in texts]
    rec.clear_cache()
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda t: spans(rec.analyze(t, None)), texts))
    assert got == expected
    assert len(loads) == 1


def test_lazy_load_happens_once_under_concurrency(policy, monkeypatch):
    import jpt_redact.engine.loader as engine_module

    loads = []
    gate = threading.Barrier(8)

    def slow_load(settings=None):
        loads.append(1)
        return FakeEngine()

    monkeypatch.setattr(engine_module, "load_engine", slow_load)
    rec = JPTRecognizer(policy, preload=False)
    assert loads == []

    def work(i):
        gate.wait()
        return spans(rec.analyze(f"Carol {i}", None))

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(r == [("PERSON", 0, 5)] for r in pool.map(work, range(8)))
    assert len(loads) == 1


def test_model_that_cannot_load_fails_at_construction(policy, monkeypatch):
    import jpt_redact.engine.loader as engine_module

    def broken(settings=None):
        raise OSError("no weights")

    monkeypatch.setattr(engine_module, "load_engine", broken)
    with pytest.raises(ModelError):
        JPTRecognizer(policy)


def test_detection_failure_raises_without_text(policy, no_nlp):
    analyzer = build_analyzer(policy, engine=FailingEngine(), nlp_engine=no_nlp, presidio_recognizers=False)
    with pytest.raises(DetectionError) as err:
        analyzer.analyze("Secret Alice Smith", language="en")
    assert "Alice" not in str(err.value)


# -- batching ---------------------------------------------------------------------------------
def test_batch_engine_makes_one_model_call_per_chunk(policy, no_nlp):
    engine = FakeEngine()
    analyzer = build_analyzer(policy, engine=engine, nlp_engine=no_nlp)
    texts = [f"Doc {i}: Alice Smith in Paris" for i in range(10)] + ["", "no names"]
    batched = JPTBatchAnalyzerEngine(analyzer, jpt_batch_size=32).analyze_iterator(texts, language="en")
    assert engine.calls == [11]  # every non-empty text in one predict call
    rec = analyzer.registry.recognizers[0]
    rec.clear_cache()
    engine.calls.clear()
    plain = BatchAnalyzerEngine(analyzer).analyze_iterator(texts, language="en")
    assert engine.calls == [1] * 11  # Presidio's own batch engine: one call per text
    assert [spans(r) for r in batched] == [spans(r) for r in plain]
    assert spans(batched[0]) == [("LOCATION", 22, 27), ("PERSON", 7, 18)]


def test_batch_engine_chunks_and_isolates_a_failing_document(policy, no_nlp):
    engine = FailingEngine(marker="BOOM")
    analyzer = build_analyzer(policy, engine=engine, nlp_engine=no_nlp)
    batch = JPTBatchAnalyzerEngine(analyzer, jpt_batch_size=4)
    assert len(batch.analyze_iterator([f"Carol {i}" for i in range(9)], language="en")) == 9
    with pytest.raises(DetectionError) as err:
        batch.analyze_iterator(["Carol", "BOOM Alice Smith", "Bob Jones"], language="en")
    assert "Alice" not in str(err.value)


# -- build_analyzer ---------------------------------------------------------------------------
def test_build_analyzer_adds_presidio_rule_recognizers_for_policy_entities_only(policy, fake_engine, no_nlp):
    analyzer = build_analyzer(policy, engine=fake_engine, nlp_engine=no_nlp)
    names = [r.name for r in analyzer.registry.recognizers]
    assert names[0] == "JPTRecognizer"
    assert "EmailRecognizer" in names  # EMAIL -> EMAIL_ADDRESS is in the policy
    assert not {"CreditCardRecognizer", "UsSsnRecognizer", "SpacyRecognizer"} & set(names)
    policy_entities = set(analyzer.registry.recognizers[0].supported_entities)
    for r in analyzer.registry.recognizers[1:]:
        assert set(r.supported_entities) & policy_entities
    results = analyzer.analyze("write to bob@example.com", language="en")
    assert ("EMAIL_ADDRESS", 9, 24) in spans(results)


def test_build_analyzer_for_builtin_policy_finds_presidio_patterns(fake_engine, no_nlp):
    analyzer = build_analyzer("default", engine=fake_engine, nlp_engine=no_nlp)
    names = {r.name for r in analyzer.registry.recognizers}
    assert {"CreditCardRecognizer", "UsSsnRecognizer", "IbanRecognizer", "IpRecognizer"} <= names
    text = "card 4111 1111 1111 1111 from 192.168.0.1"
    got = spans(analyzer.analyze(text, language="en"))
    assert ("CREDIT_CARD", 5, 24) in got and ("IP_ADDRESS", 30, 41) in got


def test_spacy_engine_required_but_missing():
    from jpt_redact.errors import PluginError

    with pytest.raises(PluginError, match="spaCy"):
        lightweight_nlp_engine("xx", "spacy")
    with pytest.raises(ValueError):
        lightweight_nlp_engine("en", "large")


# -- YAML declaration -------------------------------------------------------------------------
@pytest.fixture
def fake_load(monkeypatch):
    import jpt_redact.engine.loader as engine_module

    engine = FakeEngine()
    monkeypatch.setattr(engine_module, "load_engine", lambda settings=None: engine)
    return engine


def test_recognizer_declared_in_registry_yaml(tmp_path, fake_load):
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(POLICY_YAML, encoding="utf-8")
    conf = tmp_path / "registry.yaml"
    conf.write_text(textwrap.dedent(f"""\
        supported_languages: [en]
        recognizers:
          - name: JPTRecognizer
            type: predefined
            policy: {policy_file}
            entity_mapping: {{CITY: GPE}}
            cache_size: 16
          - name: EmailRecognizer
            type: predefined
        """), encoding="utf-8")
    registry = RecognizerRegistryProvider(conf_file=conf).create_recognizer_registry()
    (rec,) = [r for r in registry.recognizers if isinstance(r, JPTRecognizer)]
    assert rec.policy.name == "presidio-test" and rec.cache_size == 16
    assert rec.supported_entities == ["PERSON", "GPE", "EMAIL_ADDRESS", "MRN"]
    assert spans(rec.analyze("Carol in Paris", None)) == [("GPE", 9, 14), ("PERSON", 0, 5)]


def test_analyzer_engine_provider_yaml(tmp_path, fake_load):
    from presidio_analyzer import AnalyzerEngineProvider

    conf = tmp_path / "analyzer.yaml"
    conf.write_text(textwrap.dedent("""\
        supported_languages: [en]
        default_score_threshold: 0
        nlp_configuration:
          nlp_engine_name: no_op
          models: [{lang_code: en, model_name: none}]
        recognizer_registry:
          recognizers:
            - name: my_jpt
              class_name: JPTRecognizer
              type: predefined
              policy: default
        """), encoding="utf-8")
    analyzer = AnalyzerEngineProvider(analyzer_engine_conf_file=conf).create_engine()
    (rec,) = analyzer.registry.recognizers
    assert isinstance(rec, JPTRecognizer) and rec.name == "my_jpt" and rec.policy.name == "default"
    assert ("PERSON", 0, 11) in spans(analyzer.analyze("Alice Smith called.", language="en"))


@pytest.mark.parametrize("extra", ["polcy: hipaa", "supported_entities: [PERSON]"])
def test_yaml_rejects_unknown_or_conflicting_fields(tmp_path, extra):
    conf = tmp_path / "registry.yaml"
    conf.write_text(f"supported_languages: [en]\nrecognizers:\n  - name: JPTRecognizer\n    {extra}\n", encoding="utf-8")
    with pytest.raises(ValueError):
        RecognizerRegistryProvider(conf_file=conf)


# -- operators --------------------------------------------------------------------------------
def _policy_with(action: str, label: str = "PERSON", extra: str = "") -> str:
    return f"""\
name: ops
entities:
  {label}:
    definition: "A test type for operator mapping."
    presidio_entity: {label}
    action: {action}
{extra}"""


@pytest.mark.parametrize(
    "action, operator, params",
    [
        ("replace", "replace", {"new_value": "<PERSON>"}),
        ('{replace: {template: "[{label}]"}}', "replace", {"new_value": "[PERSON]"}),
        ("{replace: {numbered: true}}", "jpt_replace", {"numbered": True}),
        ('{mask: {char: "#"}}', "mask", {"masking_char": "#", "chars_to_mask": 2**31 - 1, "from_end": False}),
        ("{mask: {keep_last: 4}}", "jpt_mask", {"keep_last": 4}),
        ("redact", "redact", {}),
        ("keep", "keep", {}),
        ("{hash: {length: 12, prefix: h_}}", "jpt_hash", {"length": 12, "prefix": "h_"}),
        ("pseudonymize", "jpt_pseudonymize", {}),
        ("encrypt", "jpt_encrypt", {}),
    ],
)
def test_operators_for_table(action, operator, params):
    ops = operators_for(parse_policy(_policy_with(action)))
    assert ops["PERSON"] == OperatorConfig(operator, params)
    assert ops["DEFAULT"] == OperatorConfig("replace", {})


def test_operators_for_rejects_conflicting_actions_on_a_shared_name():
    policy = parse_policy(_policy_with("redact", extra="""\
  NAME:
    definition: "Another name type for the test."
    presidio_entity: PERSON
    action: keep
"""))
    with pytest.raises(PolicyError, match="entity_mapping"):
        operators_for(policy)
    ops = operators_for(policy, entity_mapping={"NAME": "NAME"})
    assert ops["PERSON"].operator_name == "redact" and ops["NAME"].operator_name == "keep"


@pytest.mark.parametrize("name", ["default", "hipaa", "gdpr", "pci", "secrets"])
def test_builtin_policies_map_to_operators(name):
    ops = operators_for(name)
    assert "DEFAULT" in ops and len(ops) > 2
    engine = build_anonymizer(name)
    assert {"jpt_hash", "jpt_pseudonymize", "jpt_encrypt", "jpt_mask", "jpt_replace"} <= set(engine.get_anonymizers())


KEY = KeyProvider.from_text("hex:" + bytes(range(0xcd, 0xed)).hex())


@pytest.mark.parametrize(
    "native, params, label, value",
    [
        ("hash", {}, "PERSON", "Alice Smith"),
        ("hash", {"length": 20, "prefix": "x_"}, "US_SSN", "123-45-6789"),
        ("pseudonymize", {}, "PERSON", "Alice Smith"),
        ("pseudonymize", {}, "CREDIT_CARD", "4111 1111 1111 1111"),
        ("pseudonymize", {"locale": "de_DE"}, "LOCATION", "Berlin"),
        ("encrypt", {}, "EMAIL_ADDRESS", "a@b.example"),
        ("mask", {"keep_last": 4, "preserve_separators": True}, "CREDIT_CARD", "4111-1111-1111-1111"),
        ("mask", {"keep_first": 2, "char": "x"}, "PHONE_NUMBER", "5552671"),
    ],
)
def test_custom_operator_matches_native(native, params, label, value):
    text = f"value: {value}."
    engine = AnonymizerEngine()  # a plain Presidio engine, with our operator added
    from jpt_redact.plugins.presidio import CUSTOM_OPERATORS

    for cls in CUSTOM_OPERATORS:
        engine.add_anonymizer(cls)
    result = engine.anonymize(
        text,
        [RecognizerResult(label, 7, 7 + len(value), 0.9)],
        {label: OperatorConfig("jpt_" + native, {**params, "keys": KEY})},
    )
    expected = get_operator(native, params).apply(value, label, new_context(keys=KEY))
    assert result.text == f"value: {expected}."
    assert expected != value


def test_numbered_replace_needs_the_jpt_engine():
    engine = AnonymizerEngine()
    from jpt_redact.plugins.presidio import JPTReplaceOperator

    engine.add_anonymizer(JPTReplaceOperator)
    with pytest.raises(InvalidParamError, match="JPTAnonymizerEngine"):
        engine.anonymize("Carol", [RecognizerResult("PERSON", 0, 5, 0.9)], {"PERSON": OperatorConfig("jpt_replace", {"numbered": True})})


def test_hash_without_key_refuses():
    anonymizer = build_anonymizer(parse_policy(_policy_with("hash")), keys=KeyProvider.none())
    with pytest.raises(OperatorError, match="key"):
        anonymizer.anonymize("Carol", [RecognizerResult("PERSON", 0, 5, 0.9)])


NATIVE_PARITY_POLICY = """\
name: parity
entities:
  PERSON:
    definition: "The name of a person: given names, family names, nicknames."
    presidio_entity: PERSON
    action: {replace: {numbered: true}}
  LOCATION:
    definition: "The name of a city, town or village."
    presidio_entity: LOCATION
    action: pseudonymize
  EMAIL_ADDRESS:
    definition: "An email address."
    model: false
    presidio_entity: EMAIL_ADDRESS
    patterns:
      - {name: email, regex: '[a-z.]+@[a-z.]+\\.[a-z]{2,}', score: 0.95}
    action: encrypt
  US_SSN:
    definition: "A US social security number."
    model: false
    presidio_entity: US_SSN
    patterns:
      - {name: ssn, regex: '\\b\\d{3}-\\d{2}-\\d{4}\\b', score: 0.9}
    action: {hash: {length: 16, prefix: "ssn_"}}
"""


@pytest.mark.parametrize(
    "text",
    [
        "Alice Smith met Bob Jones in Paris, then Alice Smith wrote to carol.x@mail.example (SSN 123-45-6789).",
        "Bob Jones; Springfield; Bob Jones; Paris; Carol.",
        "No PII at all.",
    ],
)
def test_presidio_flow_matches_native_redaction(text):
    policy = parse_policy(NATIVE_PARITY_POLICY)
    redactor = Redactor(policy, engine=FakeEngine(), keys=KEY)
    native = redactor.redact(text).text
    analyzer = build_analyzer(redactor, nlp_engine=lightweight_nlp_engine("en", "none"), presidio_recognizers=False)
    anonymizer = build_anonymizer(policy, keys=KEY)
    presidio = anonymizer.anonymize(text, analyzer.analyze(text, language="en")).text
    assert presidio == native
    assert restore_text(presidio, KEY).count("carol.x@mail.example") == text.count("carol.x@mail.example")


def test_numbering_restarts_per_document_and_is_thread_safe():
    policy = parse_policy(NATIVE_PARITY_POLICY)
    anonymizer = build_anonymizer(policy, keys=KEY)
    text = "Bob Jones and Carol and Carol"
    results = [RecognizerResult("PERSON", 0, 9, 0.9), RecognizerResult("PERSON", 14, 19, 0.9),
               RecognizerResult("PERSON", 24, 29, 0.9)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        outs = list(pool.map(lambda _: anonymizer.anonymize(text, results).text, range(16)))
    assert set(outs) == {"<PERSON_1> and <PERSON_2> and <PERSON_2>"}  # reading order, from 1 in each document
