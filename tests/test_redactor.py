"""The Redactor: pipeline wiring, batching, fail-closed behaviour, threads, async, audit."""
from __future__ import annotations

import asyncio
import hashlib
import sys
import threading
import types
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import TEST_POLICY_YAML, FailingEngine, FakeEngine
from jpt_redact import registry
from jpt_redact.errors import DetectionError, InputError, ModelError
from jpt_redact.policy import parse_policy
from jpt_redact.redactor import WHOLE_DOCUMENT_PLACEHOLDER, Redactor


@pytest.fixture
def redactor(test_policy, fake_engine) -> Redactor:
    return Redactor.from_policy(test_policy, engine=fake_engine)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Alice Smith moved to Springfield.", "<PERSON> moved to <CITY>."),
        ("Mail carol.x@example.org or ask Carol.", "Mail <EMAIL> or ask <PERSON>."),
        ("Nothing personal here.", "Nothing personal here."),
        ("", ""),
        ("Bob Jones\nBob Jones", "<PERSON>\n<PERSON>"),
    ],
)
def test_redact_table(redactor: Redactor, text: str, expected: str):
    result = redactor.redact(text)
    assert result.text == expected
    assert result.input_hmac is None  # no key, no input digest (issue 14 item 2)
    assert "input_sha256" not in result.to_dict() and "input_hmac" not in result.to_dict()
    assert result.output_sha256 == hashlib.sha256(expected.encode()).hexdigest()
    assert result.policy_name == "test-policy" and result.policy_version == "7"
    assert not result.whole_document_redacted


def test_findings_carry_offsets_and_no_values(redactor: Redactor):
    text = "Paris: write to bob@example.com"
    result = redactor.redact(text)
    assert [(f.span.label, text[f.span.start : f.span.end]) for f in result.findings] == [
        ("CITY", "Paris"),
        ("EMAIL", "bob@example.com"),
    ]
    assert [f.span.recognizer for f in result.findings] == ["jpt", "pattern:test_email"]
    assert "bob@example.com" not in repr(result.to_dict()["findings"])


def test_analyze_returns_resolved_spans(redactor: Redactor):
    text = "Carol lives in Paris."
    result = redactor.analyze(text)
    assert result.text_length == len(text)
    assert [(s.start, s.end, s.label) for s in result.spans] == [(0, 5, "PERSON"), (15, 20, "CITY")]


def test_analyze_many_makes_one_engine_call_per_batch(test_policy):
    engine = FakeEngine()
    r = Redactor.from_policy(test_policy, engine=engine)
    texts = [f"Carol number {i}" for i in range(5)]
    assert len(r.analyze_many(texts)) == 5
    assert engine.calls == [5]
    engine.calls.clear()
    r.analyze_many(texts, batch_size=2)
    assert engine.calls == [2, 2, 1]


def test_empty_texts_are_not_sent_to_the_engine(test_policy):
    engine = FakeEngine()
    r = Redactor.from_policy(test_policy, engine=engine)
    results = r.analyze_many(["", "Carol", ""])
    assert [len(x.spans) for x in results] == [0, 1, 0]
    assert engine.calls == [1]


@pytest.mark.parametrize(
    "bad, message",
    [
        (b"bytes", "expected str, got bytes"),
        (None, "expected str, got NoneType"),
        ("lone \ud800 surrogate", "lone surrogate at character offset 5"),
    ],
)
def test_input_validation(redactor: Redactor, bad, message: str):
    with pytest.raises(InputError, match=message):
        redactor.redact(bad)


def test_analyze_many_rejects_a_bare_string(redactor: Redactor):
    with pytest.raises(InputError, match="single str"):
        redactor.analyze_many("Carol")


def test_document_ids_must_match(redactor: Redactor):
    with pytest.raises(InputError, match="2 ids for 1 texts"):
        redactor.redact_many(["x"], document_ids=["a", "b"])


def test_use_model_false_runs_patterns_only(test_policy):
    engine = FakeEngine()
    r = Redactor.from_policy(test_policy, engine=engine, use_model=False)
    assert r.redact("Carol: carol@example.com").text == "Carol: <EMAIL>"
    assert engine.calls == []
    assert r.model_id == "none (patterns only)"


def test_engine_loads_lazily_once_across_threads(monkeypatch, test_policy):
    loads: list[object] = []
    gate = threading.Event()

    def load_engine(settings):
        gate.wait(5)
        loads.append(settings)
        return FakeEngine()

    monkeypatch.setitem(sys.modules, "jpt_redact.engine.loader", types.SimpleNamespace(load_engine=load_engine))
    r = Redactor.from_policy(test_policy)
    assert loads == []  # nothing loaded at construction
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(r.redact, "Carol") for _ in range(8)]
        gate.set()
        assert {f.result().text for f in futures} == {"<PERSON>"}
    assert loads == [test_policy.model]


# -- fail closed -------------------------------------------------------------------------
SECRET_TEXT = "Alice Smith, SSN 078-05-1120, lives in Springfield"


def test_engine_failure_raises_detection_error_without_text(test_policy):
    r = Redactor.from_policy(test_policy, engine=FailingEngine())
    with pytest.raises(DetectionError) as info:
        r.redact(SECRET_TEXT)
    message = str(info.value)
    assert "detection failed" in message and "RuntimeError" in message
    assert "Alice" not in message and "078-05" not in message


def test_engine_failure_with_redact_all_returns_placeholder(test_policy):
    r = Redactor.from_policy(test_policy, engine=FailingEngine(), on_error="redact_all")
    result = r.redact(SECRET_TEXT)
    assert result.text == WHOLE_DOCUMENT_PLACEHOLDER
    assert result.whole_document_redacted
    assert result.findings == ()
    assert result.input_hmac is None


def test_on_error_comes_from_the_policy_by_default():
    policy = parse_policy(TEST_POLICY_YAML + "defaults:\n  on_error: redact_all\n")
    r = Redactor.from_policy(policy, engine=FailingEngine())
    assert r.redact(SECRET_TEXT).whole_document_redacted
    strict = Redactor.from_policy(policy, engine=FailingEngine(), on_error="raise")
    with pytest.raises(DetectionError):
        strict.redact(SECRET_TEXT)


def test_one_failing_document_does_not_fail_the_batch(test_policy):
    engine = FailingEngine(marker="POISON")
    r = Redactor.from_policy(test_policy, engine=engine)
    texts = ["Carol here", "POISON Carol", "Paris"]
    results = r.redact_many(texts, return_exceptions=True)
    assert results[0].text == "<PERSON> here"
    assert isinstance(results[1], DetectionError) and "POISON" not in str(results[1])
    assert results[2].text == "<CITY>"
    with pytest.raises(DetectionError, match="documents 0-2"):
        r.redact_many(texts)  # without return_exceptions the batch fails as a whole
    with pytest.raises(DetectionError, match="document 1 "):
        r.redact_many(texts, batch_size=1)
    redact_all = Redactor.from_policy(test_policy, engine=engine, on_error="redact_all")
    assert [x.text for x in redact_all.redact_many(texts)] == ["<PERSON> here", WHOLE_DOCUMENT_PLACEHOLDER, "<CITY>"]


class _BrokenRecognizer:
    name = "broken_for_test"

    def find(self, text):
        raise ValueError(f"choked on {text}")


def test_recognizer_failure_is_a_detection_failure(fake_engine):
    registry.recognizers.register("broken_for_test", _BrokenRecognizer)
    try:
        policy = parse_policy(TEST_POLICY_YAML.replace("    action: replace\n  CITY:", "    action: replace\n    recognizers: [broken_for_test]\n  CITY:", 1))
        r = Redactor.from_policy(policy, engine=fake_engine)
        with pytest.raises(DetectionError, match=r"recognizers: ValueError") as info:
            r.redact(SECRET_TEXT)
        assert "Alice" not in str(info.value)
        r2 = Redactor.from_policy(policy, engine=fake_engine, on_error="redact_all")
        assert r2.redact(SECRET_TEXT).text == WHOLE_DOCUMENT_PLACEHOLDER
    finally:
        registry.recognizers.unregister("broken_for_test")


def test_model_that_cannot_load(monkeypatch, test_policy):
    def load_engine(settings):
        raise ModelError("checkpoint not found: /nowhere")

    monkeypatch.setitem(sys.modules, "jpt_redact.engine.loader", types.SimpleNamespace(load_engine=load_engine))
    with pytest.raises(ModelError, match="checkpoint not found"):
        Redactor.from_policy(test_policy).redact(SECRET_TEXT)
    result = Redactor.from_policy(test_policy, on_error="redact_all").redact(SECRET_TEXT)
    assert result.text == WHOLE_DOCUMENT_PLACEHOLDER


def test_unexpected_load_failure_becomes_model_error(monkeypatch, test_policy):
    def load_engine(settings):
        raise OSError("disk on fire")

    monkeypatch.setitem(sys.modules, "jpt_redact.engine.loader", types.SimpleNamespace(load_engine=load_engine))
    with pytest.raises(ModelError, match=r"cannot load the JPT model \(OSError\)"):
        Redactor.from_policy(test_policy).redact("x")


def test_bad_on_error_value(test_policy, fake_engine):
    with pytest.raises(ValueError):
        Redactor.from_policy(test_policy, engine=fake_engine, on_error="ignore")


# -- threads and async -------------------------------------------------------------------
NUMBERED_RUN_POLICY = TEST_POLICY_YAML.replace(
    "    definition: \"The name of a person: given names, family names, nicknames.\"\n    action: replace",
    "    definition: \"The name of a person: given names, family names, nicknames.\"\n"
    "    action: {replace: {numbered: true, scope: run}}",
)


def test_shared_redactor_is_thread_safe():
    policy = parse_policy(NUMBERED_RUN_POLICY)
    r = Redactor.from_policy(policy, engine=FakeEngine())
    names = ["Alice Smith", "Bob Jones", "Carol"]
    texts = [f"{names[i % 3]} met {names[(i + 1) % 3]} in Paris ({i})" for i in range(60)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(r.redact, texts))
    # Run-scoped numbering: each name got one number, used consistently by every thread.
    numbering: dict[str, str] = {}
    for text, result in zip(texts, results):
        tokens = [f.replacement for f in result.findings if f.span.label == "PERSON"]
        values = [text[f.span.start : f.span.end] for f in result.findings if f.span.label == "PERSON"]
        for value, token in zip(values, tokens):
            assert numbering.setdefault(value, token) == token
    assert sorted(numbering.values()) == ["<PERSON_1>", "<PERSON_2>", "<PERSON_3>"]
    # And the texts are what a single thread would produce with the same numbering.
    for text, result in zip(texts, results):
        expected = text
        for name, token in numbering.items():
            expected = expected.replace(name, token)
        assert result.text == expected.replace("Paris", "<CITY>")


def test_async_variants(redactor: Redactor):
    async def main():
        one = await redactor.aredact("Carol in Paris", document_id="d1")
        many = await redactor.aredact_many(["Carol", "Paris"])
        spans = await redactor.aanalyze("Carol")
        spans_many = await redactor.aanalyze_many(["Carol", "Paris"])
        gathered = await asyncio.gather(*(redactor.aredact(f"Carol {i}") for i in range(10)))
        return one, many, spans, spans_many, gathered

    one, many, spans, spans_many, gathered = asyncio.run(main())
    assert one.text == "<PERSON> in <CITY>"
    assert [m.text for m in many] == ["<PERSON>", "<CITY>"]
    assert [s.label for s in spans.spans] == ["PERSON"]
    assert [[s.label for s in a.spans] for a in spans_many] == [["PERSON"], ["CITY"]]
    assert [g.text for g in gathered] == [f"<PERSON> {i}" for i in range(10)]


def test_async_failure_is_still_fail_closed(test_policy):
    r = Redactor.from_policy(test_policy, engine=FailingEngine())
    with pytest.raises(DetectionError):
        asyncio.run(r.aredact(SECRET_TEXT))


# -- audit -------------------------------------------------------------------------------
def test_audit_records_every_document_without_text(tmp_path, test_policy, fake_engine, audit_key):
    from jpt_redact.exporters.audit import read_records, verify_log
    from jpt_redact.keys import KeyProvider

    log = tmp_path / "audit.jsonl"
    with Redactor.from_policy(test_policy, engine=fake_engine, audit_path=log) as r:
        r.redact(SECRET_TEXT, document_id="note-1")
        r.redact_many(["Carol", "nothing"], document_ids=["a", "b"])
    records = read_records(log)
    assert [rec["document_id"] for rec in records] == ["note-1", "a", "b"]
    assert records[0]["model_id"] == "fake:test-engine"
    keys = KeyProvider.from_env()
    assert records[0]["input_hmac"] == keys.input_digest(SECRET_TEXT.encode())  # keyed (issue 14 item 2)
    assert hashlib.sha256(SECRET_TEXT.encode()).hexdigest() not in log.read_text()
    raw = log.read_text()
    assert "Alice" not in raw and "Springfield" not in raw
    assert verify_log(log, KeyProvider.from_env()).ok


def test_audit_path_from_policy(tmp_path, fake_engine):
    log = tmp_path / "from-policy.jsonl"
    policy = parse_policy(TEST_POLICY_YAML + f"audit:\n  enabled: true\n  path: {log}\n")
    r = Redactor.from_policy(policy, engine=fake_engine)
    r.redact("Carol")
    r.close()
    assert len(log.read_text().splitlines()) == 2  # the anchor header and one record


def test_failed_batch_audits_nothing(tmp_path, test_policy):
    log = tmp_path / "audit.jsonl"
    r = Redactor.from_policy(test_policy, engine=FailingEngine(marker="POISON"), audit_path=log)
    with pytest.raises(DetectionError):
        r.redact_many(["Carol", "POISON"], batch_size=1)
    r.close()
    assert not log.exists() or log.read_text() == ""


def test_whole_document_redaction_is_audited(tmp_path, test_policy):
    from jpt_redact.exporters.audit import read_records

    log = tmp_path / "audit.jsonl"
    r = Redactor.from_policy(test_policy, engine=FailingEngine(), audit_path=log, on_error="redact_all")
    r.redact(SECRET_TEXT, document_id="x")
    r.close()
    (record,) = read_records(log)
    assert record["output_sha256"] == hashlib.sha256(WHOLE_DOCUMENT_PLACEHOLDER.encode()).hexdigest()


def test_decoding_settings_reach_the_engine(test_policy):
    from jpt_redact.redactor import Redactor

    engine = FakeEngine()
    Redactor(test_policy, engine=engine).analyze("Alice Smith")
    extended = test_policy.with_model(span_extension=0.6, nested=True)
    Redactor(extended, engine=engine).analyze("Alice Smith")
    plain, grown = engine.span_calls
    assert plain == {"thresholds": {"PERSON": 0.5, "CITY": 0.5}, "nested": False,
                     "span_extension": {"PERSON": 1.0, "CITY": 1.0}}
    assert grown["nested"] is True and grown["span_extension"] == {"PERSON": 0.6, "CITY": 0.6}


def test_types_with_their_own_recognizers_never_grow():
    from jpt_redact.policy import parse_policy

    policy = parse_policy("""
name: t
model: {span_extension: 0.6}
entities:
  PERSON: {definition: Names of people.}
  EMAIL_ADDRESS: {definition: Email addresses., recognizers: [email]}
  CODE: {definition: Internal codes like X-123., patterns: [{name: code, regex: 'X-\\d+'}]}
""")
    assert [policy.span_extension_for(k) for k in ("PERSON", "EMAIL_ADDRESS", "CODE")] == [0.6, 1.0, 1.0]
