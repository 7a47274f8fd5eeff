"""One regression test per defect of issue 14 (security review), each named after its item.

Items 3 and 4 (super-linear regexes and span handling) are in tests/test_linear_time.py, item 6's
key formats in tests/test_keys.py, item 7's recognizer checks in tests/test_recognizers.py, item
10's log format in tests/test_audit.py and tests/test_report.py; what needs the Redactor or the
CLI is here. Item 1 (the gateway) belongs to the service (jpt_redact/service).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import TEST_POLICY_YAML, FakeEngine
from jpt_redact import registry, safe_regex
from jpt_redact.cli.main import cli
from jpt_redact.errors import DetectionError, InputError, OperatorError, PolicyError
from jpt_redact.exporters.audit import read_records, verify_log
from jpt_redact.exporters.operators.base import Operator
from jpt_redact.findings import Span
from jpt_redact.keys import KeyProvider
from jpt_redact.policy import load_policy, parse_policy
from jpt_redact.redactor import Redactor

KEY_TEXT = "hex:" + bytes(range(0x31, 0x51)).hex()
SSN_POLICY = """
name: ssn-only
entities:
  US_SSN:
    definition: "A US social security number."
    model: false
    recognizers: [us_ssn]
"""


def run(args, input=None, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, env=env)


# -- item 1: the service proxy mounted under a prefix -------------------------------------------
@pytest.mark.parametrize("how", ["Mount('/llm', app)", "root_path='/llm'"])
def test_item1_the_proxy_under_a_prefix_forwards_only_redacted_bodies(tmp_path, how, audit_key):
    # the old gateway matched scope["path"] without root_path: under Mount("/llm", app) a POST to
    # /llm/v1/chat/completions went upstream unredacted. The service routes by the path below the
    # mount (http.route_path) and redacts every string, key and number (item 1's other half:
    # tests/test_service_proxy.py::test_request_is_redacted_at_every_depth_before_it_leaves).
    pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.testclient import TestClient

    from jpt_redact.service.app import create_app
    from jpt_redact.service.config import ServiceConfig
    from test_service_harness import SERVICE_POLICY_YAML, UpstreamStub

    policy = tmp_path / "policy.yaml"
    policy.write_text(SERVICE_POLICY_YAML, encoding="utf-8")
    stub = UpstreamStub().start()
    try:
        config = ServiceConfig(policy=str(policy), engine_factory="test_service_harness:fake_engine",
                               upstream={"base_url": stub.base_url})
        app = create_app(config)
        mounted = Starlette(routes=[Mount("/llm", app)], lifespan=app.router.lifespan_context) if how.startswith("Mount") else app
        body = {"model": "m", "messages": [{"role": "user", "content": "Alice Smith, SSN 123-45-6789"}],
                "metadata": {"Bob Jones": 123456789, "deep": [{"role": "C-7654321"}]}}
        with TestClient(mounted, root_path="" if how.startswith("Mount") else "/llm") as client:
            r = client.post("/llm/v1/chat/completions", json=body)
        assert r.status_code == 200, r.text
        [received] = stub.received
        sent = json.dumps(received["body"])
        assert not [v for v in ("Alice Smith", "123-45-6789", "Bob Jones", "123456789", "C-7654321") if v in sent], sent
    finally:
        stub.stop()


# -- item 2: nothing recoverable from the input digest -----------------------------------------
def test_item2_input_digest_is_keyed_and_absent_without_a_key(tmp_path, monkeypatch):
    text = "SSN 219-11-4567 on file.\n"
    note = tmp_path / "n.txt"
    note.write_text(text)
    pol = tmp_path / "ssn.yaml"
    pol.write_text(SSN_POLICY)
    log = tmp_path / "audit.jsonl"
    unkeyed = hashlib.sha256(text.encode()).hexdigest()
    # without a key: no digest of the input at all (the old unkeyed one was a template to brute-force)
    plain = run([note, "-p", pol, "--format", "json"])
    assert plain.exit_code == 0, plain.output
    assert "input_sha256" not in plain.stdout and "input_hmac" not in plain.stdout and unkeyed not in plain.stdout
    monkeypatch.setenv("JPT_REDACT_KEY", KEY_TEXT)
    keyed = run([note, "-p", pol, "--format", "json", "--audit", log])
    assert keyed.exit_code == 0, keyed.output
    data = json.loads(keyed.stdout)
    keys = KeyProvider.from_text(KEY_TEXT)
    assert data["input_hmac"] == hmac.new(keys.subkey("input"), text.encode(), hashlib.sha256).hexdigest()
    assert data["input_hmac"] != keys.hmac_hex(text, "") and keys.subkey("input") not in {keys.subkey("hash"), keys.subkey("audit")}
    # the attack of the report: fill the template with every candidate, compare digests. Without the
    # key no candidate's digest matches anything in the output or the log.
    template = data["text"]
    assert "<US_SSN>" in template
    candidates = {hashlib.sha256(template.replace("<US_SSN>", f"219-11-{n:04d}").encode()).hexdigest() for n in range(10000)}
    published = keyed.stdout + log.read_text()
    assert not any(c in published for c in candidates)


def test_item2_batch_commit_records_do_not_publish_an_unkeyed_input_digest(tmp_path, monkeypatch):
    # the batch runner's commit records (OUTPUT/shards/*.json, chained into manifest.json) named
    # each shard's input by its SHA-256: for a shard of one short document, the same template
    # attack as item 2 recovered the value from OUTPUT alone
    docs = tmp_path / "docs"
    docs.mkdir()
    text = "SSN 219-11-4567 on file.\n"
    (docs / "n.txt").write_text(text)
    pol = tmp_path / "ssn.yaml"
    pol.write_text(SSN_POLICY)
    out = tmp_path / "out"
    monkeypatch.setenv("JPT_REDACT_KEY", KEY_TEXT)
    first = run(["batch", docs, out, "-p", pol, "--shard-size", "1", "--no-model", "-q"])
    assert first.exit_code == 0, first.output
    [commit] = [json.loads(p.read_text()) for p in (out / "shards").glob("*.json")]
    assert "input_hmac" in commit and "input_sha256" not in commit
    template = (out / "n.txt").read_text()
    assert "<US_SSN>" in template

    def shard_digest(data: bytes) -> str:  # what plan.py hashes for a files shard
        return hashlib.sha256(b"files\0" + b"n.txt\0" + hashlib.sha256(data).hexdigest().encode() + b"\n").hexdigest()

    candidates = {shard_digest(template.replace("<US_SSN>", f"219-11-{n:04d}").encode()) for n in range(10000)}
    assert shard_digest(text.encode()) in candidates  # the attack would work on an unkeyed digest ...
    published = "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())
    assert not any(c in published for c in candidates)  # ... and finds nothing in OUTPUT
    again = run(["batch", docs, out, "-p", pol, "--shard-size", "1", "--no-model"])
    assert again.exit_code == 0 and "1 done before" in again.stderr  # resume still recognises the shard
    (docs / "n.txt").write_text(text.replace("4567", "4568"))
    changed = run(["batch", docs, out, "-p", pol, "--shard-size", "1", "--no-model"])
    assert changed.exit_code == 0 and "0 done before" in changed.stderr  # and notices a changed input


# -- item 5: user regexes are time-limited and linted ------------------------------------------
BOMB_POLICY = """
name: bomb
entities:
  CODE:
    definition: "A product code written after the word code."
    model: false
    patterns:
      - name: bomb
        regex: '(a|aa)+b'
"""


def test_item5_a_catastrophic_user_pattern_fails_closed(monkeypatch):
    monkeypatch.setattr(safe_regex, "BASE_TIMEOUT_S", 0.2)
    redactor = Redactor.from_policy(parse_policy(BOMB_POLICY), use_model=False)
    secret = "a" * 40 + " secret-value"
    with pytest.raises(DetectionError, match="time limit") as info:
        redactor.redact(secret)
    assert "secret-value" not in str(info.value) and "aaaa" not in str(info.value)
    assert info.value.__cause__ is None


def test_item5_model_requires_is_time_limited(monkeypatch):
    monkeypatch.setattr(safe_regex, "BASE_TIMEOUT_S", 0.2)
    policy = parse_policy("""
name: t
entities:
  PERSON: {definition: "Names of people in the text.", model_requires: '(a|aa)+b'}
""")
    engine = FakeEngine({"PERSON": ("a" * 40,)})
    with pytest.raises(DetectionError, match="model_requires"):
        Redactor.from_policy(policy, engine=engine).redact("a" * 40)


def test_item5_policy_validate_lints_nested_quantifiers(tmp_path):
    pol = tmp_path / "bad.yaml"
    pol.write_text(BOMB_POLICY.replace("(a|aa)+b", r"(\w+\s?)+C-\d{7}"))
    result = run(["policy", "validate", pol])
    assert result.exit_code == 2 and "OK" not in result.stdout
    assert f"{pol}:9: entities.CODE.patterns.0.regex" in result.stderr and "exponential" in result.stderr
    assert run(["policy", "validate", "hipaa", "default"]).exit_code == 0  # the shipped policies lint clean


# -- item 6: keys -------------------------------------------------------------------------------
def test_item6_a_policy_cannot_name_a_public_variable_as_its_key():
    with pytest.raises(PolicyError, match="audit.hash_key_env: must name a JPT_REDACT_"):
        parse_policy(TEST_POLICY_YAML + "audit:\n  hash_key_env: HOME\n")


def test_item6_the_key_id_is_on_stderr(tmp_path, monkeypatch, policy_file, cli_engine):
    note = tmp_path / "n.txt"
    note.write_text("Carol wrote.")
    monkeypatch.setenv("JPT_REDACT_KEY", KEY_TEXT)
    result = run([note, "-p", policy_file])
    assert result.exit_code == 0
    assert f"key id {KeyProvider.from_text(KEY_TEXT).key_id} (from JPT_REDACT_KEY)" in result.stderr
    monkeypatch.setenv("JPT_REDACT_KEY", "passphrase:a")  # a weak key fails the run before anything is read
    weak = run([note, "-p", policy_file, "--audit", tmp_path / "a.jsonl"])
    assert weak.exit_code == 7 and "too weak" in weak.stderr and not (tmp_path / "a.jsonl").exists()


# -- item 7: spans outside the text --------------------------------------------------------------
class _WildEngine(FakeEngine):
    def score(self, texts, types, *, batch_size=None):
        out = super().score(texts, types)
        for scores in out:
            scores._spans.append(Span(0, 10**6, "PERSON", 0.99))
        return out


def test_item7_a_model_span_outside_the_text_fails_closed(test_policy):
    redactor = Redactor.from_policy(test_policy, engine=_WildEngine())
    with pytest.raises(DetectionError, match="outside the text"):
        redactor.redact("Alice Smith is here")


# -- item 8: adjacent phone numbers ---------------------------------------------------------------
@pytest.mark.parametrize("text, numbers", [
    ("call 415-555-2671 415-555-2672 today", ["415-555-2671", "415-555-2672"]),
    ("(212) 555-0143 / (212) 555-0199", ["(212) 555-0143", "(212) 555-0199"]),
    ("415-555-2671\n617-555-0123\n212-555-0143", ["415-555-2671", "617-555-0123", "212-555-0143"]),
])
def test_item8_adjacent_phone_numbers_are_each_found(text, numbers):
    from jpt_redact.recognizer import registered_recognizer

    found = [text[s:e] for s, e, _ in registered_recognizer("phone").find(text)]
    assert found == numbers
    policy = parse_policy("""
name: p
entities:
  PHONE_NUMBER: {definition: "A telephone number.", model: false, recognizers: [phone]}
""")
    out = Redactor.from_policy(policy, use_model=False).redact(text).text
    assert not any(n in out for n in numbers) and not any(n[-4:] in out for n in numbers)


# -- item 9: a file named like a built-in -------------------------------------------------------
def test_item9_a_file_named_default_does_not_shadow_the_builtin(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("default").write_text("name: evil\nentities:\n  X: {definition: 'nothing of interest at all', model: false}\n")
    assert load_policy("default").name == "default"
    assert load_policy("./default").name == "evil"
    with pytest.raises(PolicyError, match="no built-in policy"):
        load_policy("mine")  # bare and not built in: never read from the working directory
    Path("mine").write_text("x")
    with pytest.raises(PolicyError, match=r"\./mine"):
        load_policy("mine")


# -- item 10: the audit log and the run ------------------------------------------------------------
class _FailOn(Operator):
    """Raises OperatorError for one value, as a misconfigured or failing operator would."""

    name = "test_fail_on"
    defaults = {"value": "Carol"}

    def apply(self, value, label, ctx):
        if value == self.params["value"]:
            raise OperatorError("operator 'test_fail_on' cannot handle this value")
        return f"<{label}>"


@pytest.fixture
def failing_operator():
    registry.operators.register("test_fail_on", _FailOn)
    yield
    registry.operators.unregister("test_fail_on")


def test_item10_a_failed_run_leaves_no_record_of_an_unwritten_file(tmp_path, cli_engine, failing_operator, audit_key):
    pol = tmp_path / "p.yaml"
    pol.write_text(TEST_POLICY_YAML.replace("    action: replace\n  CITY", "    action: test_fail_on\n  CITY"))
    log = tmp_path / "audit.jsonl"
    one = tmp_path / "one.txt"
    one.write_text("Carol called.")
    single = run([one, "-p", pol, "-o", tmp_path / "out.txt", "--audit", log])
    assert single.exit_code == 7 and not (tmp_path / "out.txt").exists()
    assert not log.exists() or read_records(log) == []
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Carol called.")
    (docs / "b.txt").write_text("Bob Jones called.")
    many = run([docs, "-p", pol, "--out-dir", tmp_path / "out", "--audit", log])
    assert many.exit_code == 7  # one OperatorError fails that file, not the batch (item 12)
    assert not (tmp_path / "out" / "a.txt").exists() and (tmp_path / "out" / "b.txt").read_text() == "<PERSON> called."
    assert [r["document_id"] for r in read_records(log)] == ["b.txt"]
    assert verify_log(log, KeyProvider.from_env(), require_anchor=True).ok


def test_item10_output_and_audit_log_may_not_be_one_file(tmp_path, cli_engine, policy_file, audit_key):
    note = tmp_path / "n.txt"
    note.write_text("Carol.")
    same = tmp_path / "same.jsonl"
    run([note, "-p", policy_file, "--audit", same])
    before = same.read_bytes()
    result = run([note, "-p", policy_file, "-o", same, "--audit", same, "--format", "jsonl"])
    assert result.exit_code == 2 and "same file" in result.output
    assert same.read_bytes() == before


def test_item10_audit_without_a_key_is_warned_about(tmp_path, cli_engine, policy_file, caplog):
    note = tmp_path / "n.txt"
    note.write_text("Carol.")
    with caplog.at_level(logging.WARNING, logger="jpt_redact"):
        assert run([note, "-p", policy_file, "--audit", tmp_path / "plain.jsonl"]).exit_code == 0
    assert any("without a key" in r.getMessage() for r in caplog.records)


def test_item10_audit_verify_fails_an_emptied_or_cut_log(tmp_path, cli_engine, policy_file):
    note = tmp_path / "n.txt"
    note.write_text("Carol.")
    log = tmp_path / "a.jsonl"
    for _ in range(4):
        assert run([note, "-p", policy_file, "--audit", log]).exit_code == 0
    assert run(["audit", "verify", log]).exit_code == 0
    lines = log.read_text().splitlines(keepends=True)
    log.write_text(lines[0] + lines[1])  # 4 records cut to 1, header kept
    assert run(["audit", "verify", log]).exit_code == 8
    log.write_text("")  # emptied
    result = run(["audit", "verify", log])
    assert result.exit_code == 8 and "empty file" in result.stderr


# -- item 11: pseudonyms do not collide -----------------------------------------------------------
def test_item11_distinct_names_get_distinct_pseudonyms(monkeypatch):
    import random
    import string

    monkeypatch.setenv("JPT_REDACT_KEY", KEY_TEXT)
    policy = parse_policy("""
name: pseudo
entities:
  PERSON: {definition: "Names of people in the text.", action: pseudonymize, model: false, deny_list: [x]}
""")
    rng = random.Random(11)
    names = sorted({"".join(rng.choice(string.ascii_lowercase) for _ in range(8)).title() for _ in range(300)})
    from jpt_redact.exporters.operators.apply import get_operator, new_context

    op = get_operator("pseudonymize", {})
    ctx = new_context(keys=KeyProvider.from_text(KEY_TEXT), run_state={})
    out = [op.apply(n, "PERSON", ctx.for_next_document()) for n in names]
    assert len(set(out)) == len(names) == 300  # was 179 of 300
    assert [op.apply(n, "PERSON", ctx.for_next_document()) for n in names[:20]] == out[:20]  # stable in the run
    assert Redactor.from_policy(policy, use_model=False).policy.name == "pseudo"


# -- item 12: operators are checked when the Redactor is built ---------------------------------------
def test_item12_operator_problems_surface_at_construction(test_policy, monkeypatch):
    bad_param = parse_policy(TEST_POLICY_YAML.replace("    action: replace\n  CITY", "    action: {mask: {keep_last: -1}}\n  CITY"))
    with pytest.raises(OperatorError, match="keep_last"):
        Redactor.from_policy(bad_param, engine=FakeEngine())
    bad_locale = parse_policy(TEST_POLICY_YAML.replace("    action: replace\n  CITY", "    action: {pseudonymize: {locale: xx_XX}}\n  CITY"))
    monkeypatch.setenv("JPT_REDACT_KEY", KEY_TEXT)
    with pytest.raises(OperatorError, match="Faker locale"):
        Redactor.from_policy(bad_locale, engine=FakeEngine())
    monkeypatch.delenv("JPT_REDACT_KEY")
    keyed = parse_policy(TEST_POLICY_YAML.replace("    action: replace\n  CITY", "    action: hash\n  CITY"))
    with pytest.raises(OperatorError, match="need a key"):
        Redactor.from_policy(keyed, engine=FakeEngine())  # not at the first finding


def test_item12_one_operator_error_does_not_fail_the_batch(failing_operator):
    policy = parse_policy(TEST_POLICY_YAML.replace("    action: replace\n  CITY", "    action: test_fail_on\n  CITY"))
    results = Redactor.from_policy(policy, engine=FakeEngine()).redact_many(
        ["Carol here", "Bob Jones here", "nothing"], return_exceptions=True)
    assert isinstance(results[0], OperatorError)
    assert results[1].text == "<PERSON> here" and results[2].text == "nothing"


# -- low items --------------------------------------------------------------------------------------
def test_low_placeholders_are_counted_with_their_own_exit_code(tmp_path, cli_engine, policy_file):
    from conftest import FailingEngine

    cli_engine["engine"] = FailingEngine()
    docs = tmp_path / "d"
    docs.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (docs / name).write_text("Alice Smith")
    result = run([docs, "-p", policy_file, "--out-dir", tmp_path / "o", "--on-error", "redact_all"])
    assert result.exit_code == 12, result.output
    assert "redacted 0 of 3 files to" in result.stderr and "3 replaced by the placeholder" in result.stderr


def test_low_detection_errors_do_not_chain_the_original_exception(test_policy):
    from conftest import FailingEngine

    with pytest.raises(DetectionError) as info:
        Redactor.from_policy(test_policy, engine=FailingEngine()).redact("Alice Smith, 219-11-4567")
    err = info.value
    assert err.__cause__ is None and err.cause_type == "RuntimeError"
    assert "219-11" not in str(err) and "RuntimeError" in err.reason


@pytest.mark.parametrize("yaml_text, why", [
    ("a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n", "aliases"),
    ("name: x\nentities:\n  " + "A: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ("name: x\nentities:\n  X:\n    definition: 'a definition here'\n    action: {mask: " + "{a: " * 40 + "1" + "}" * 41 + "\n",
     "nested too deeply"),
], ids=["alias bomb", "deep flow sequence", "deep operator parameters"])
def test_low_yaml_bombs_are_policy_errors(yaml_text, why):
    with pytest.raises(PolicyError, match=why):
        parse_policy(yaml_text)


def test_low_scalar_aliases_stay_allowed():
    p = parse_policy("name: x\nentities:\n  A: {definition: &d 'a definition of the thing', model: false, deny_list: [q]}\n"
                     "  B: {definition: *d, model: false, deny_list: [r]}\n")
    assert p.entities["A"].definition == p.entities["B"].definition


def test_low_the_size_limit_is_enforced_on_what_is_read(tmp_path):
    from jpt_redact import io

    with pytest.raises(InputError, match="size limit"):
        io.read_text_file("/dev/zero", max_bytes=4096)  # st_size is 0
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "wb") as fh:
            try:
                fh.write(b"x" * 100_000)
            except BrokenPipeError:
                pass

    t = threading.Thread(target=feed)
    t.start()
    with pytest.raises(InputError, match="size limit"):
        io.read_text_file(fifo, max_bytes=1000)
    t.join()


def test_low_walks_keep_inside_the_tree_and_say_what_they_skip(tmp_path, cli_engine, policy_file):
    outside = tmp_path / "secret.txt"
    outside.write_text("Alice Smith, outside the tree")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Carol")
    (docs / ".hidden.txt").write_text("Bob Jones")
    (docs / "link.txt").symlink_to(outside)
    os.mkfifo(docs / "pipe")
    result = run([docs, "-p", policy_file, "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["a.txt"]
    assert "skipped 3 entries" in result.stderr and "symlink outside the tree" in result.stderr
    assert "hidden" in result.stderr and "not a regular file" in result.stderr


def test_low_no_model_says_which_types_are_lost(tmp_path, cli_engine, policy_file):
    note = tmp_path / "n.txt"
    note.write_text("Alice Smith, a@b.com")
    result = run([note, "-p", policy_file, "--no-model"])
    assert result.exit_code == 0
    assert "--no-model: PERSON, CITY are found only by the model and will not be redacted" in result.stderr


def test_low_the_definition_cache_is_keyed_by_the_weights(tmp_path, monkeypatch):
    from jpt_redact.model.encoder import DefinitionEncoder

    monkeypatch.setenv("JPT_REDACT_CACHE", str(tmp_path / "cache"))
    dirs = []
    for parent, weights in (("one", b"weights A"), ("two", b"weights B")):
        d = tmp_path / parent / "encoder"  # the same directory name
        d.mkdir(parents=True)
        (d / "model.safetensors").write_bytes(weights)
        dirs.append(DefinitionEncoder(d)._cache_dir)
    assert dirs[0] != dirs[1]


# -- found by the campaign ---------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["Device 00:1A:2B:3C:4D:5E: offline", "mac:00:1A:2B:3C:4D:5E", "id-00-1A-2B-3C-4D-5E-x"])
def test_campaign_a_mac_address_next_to_a_colon_is_found(text):
    # tests/test_fuzz_recognizers.py: the boundary refused any ':' or '-' beside the address, so a
    # MAC before a colon or after "mac:" was left in the text
    from jpt_redact.recognizer import registered_recognizer

    found = [text[s:e] for s, e, _ in registered_recognizer("mac_address").find(text)]
    assert [f.replace("-", ":") for f in found] == ["00:1A:2B:3C:4D:5E"]
    assert registered_recognizer("mac_address").find("00:11:22:33:44:55:66 and fe80:00:1A:2B:3C:4D:5E:77") == []


@pytest.mark.parametrize("text, cards", [
    ("card 4000000000000002 0@aa.com", ["4000000000000002"]),
    ("card 4111 1111 1111 1111 2 items", ["4111 1111 1111 1111"]),
    ("4111111111111111 4000000000000002", ["4111111111111111", "4000000000000002"]),
])
def test_campaign_a_card_next_to_another_number_is_found(text, cards):
    # tests/test_fuzz_recognizers.py: the one regex match ran on into the next number, failed
    # the checksum and the card stayed in the text
    from jpt_redact.recognizer import registered_recognizer

    assert [text[s:e] for s, e, _ in registered_recognizer("credit_card").find(text)] == cards


@pytest.mark.parametrize("text, phones", [
    ("card 4000000000000002 (415-555-1000", ["415-555-1000"]),
    ("x 415-555-2671 (212-555-0143 y", ["415-555-2671", "212-555-0143"]),
])
def test_campaign_a_phone_after_an_open_bracket_is_found(text, phones):
    # tests/test_fuzz_recognizers.py: a group with unbalanced brackets was rejected whole, so a
    # number after a '(' that opens a remark stayed in the text
    from jpt_redact.recognizer import registered_recognizer

    assert [text[s:e] for s, e, _ in registered_recognizer("phone").find(text)] == phones


@pytest.mark.parametrize("text, phones", [
    (" 4000000000000002  4000000000000002 x 415-555-1000", ["415-555-1000"]),
    ("4000000000000002 x 415-555-1000", ["415-555-1000"]),
    ("Room 12 x 415-555-1000", ["415-555-1000"]),
    (" 0@aa.com  001-01-0001 x 415-555-1000", ["415-555-1000"]),  # an SSN-shaped run, no valid number
    ("010-01-0001 x 415-555-1000", ["010-01-0001", "415-555-1000"]),  # valid elsewhere, without the 'x 415'
    ("call 415-555-1000 x 204 now", ["415-555-1000 x 204"]),
])
def test_campaign_a_phone_after_a_rejected_number_and_x_is_found(text, phones):
    # tests/test_fuzz_recognizers.py: the candidate before 'x' (a card, a room number) took
    # 'x 415' as its extension and was rejected, and the number itself was never looked at
    from jpt_redact.recognizer import registered_recognizer

    assert [text[s:e] for s, e, _ in registered_recognizer("phone").find(text)] == phones


@pytest.mark.parametrize("text, found", [
    ("http://[", []),  # urllib raised ValueError ("Invalid IPv6 URL"): the whole document failed
    ("see http://[::1/~alice now", ["http://[::1/~alice"]),  # unparseable: its '/~user' still marks it
    ("mail http://[x/u@example.com", ["http://[x/u@example.com"]),  # an '@' still marks it personal
    ("profile https://github.com/alice", ["https://github.com/alice"]),
])
def test_campaign_a_url_with_an_open_bracket_does_not_fail_the_recognizer(text, found):
    # tests/test_fuzz_recognizers.py: urlsplit raises on an unbalanced '[' in the host part
    from jpt_redact.recognizer import registered_recognizer

    assert [text[s:e] for s, e, _ in registered_recognizer("personal_url").find(text)] == found
