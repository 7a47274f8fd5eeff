"""The Presidio-compatible API of a real `jpt-redact serve` process: Presidio's documented example
payloads (docs/api-docs/api-docs.yml), planted values, and clean refusals that never echo input."""
from __future__ import annotations

import json

import httpx
import pytest

from test_service_harness import start_service

PLANTED = "Alice Smith"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    yield from start_service(tmp_path_factory, {"limits": {"max_body_bytes": 64 * 1024}})


@pytest.fixture(scope="module")
def client(service):
    with httpx.Client(base_url=service.url, timeout=10) as c:
        yield c


# -- analyzer ----------------------------------------------------------------------------------
def test_minimal_request_from_the_api_docs(client):
    r = client.post("/analyze", json={"text": "John Smith drivers license is AC432223", "language": "en"})
    assert r.status_code == 200
    assert r.json() == [{"analysis_explanation": None, "end": 10, "entity_type": "PERSON", "score": 0.9, "start": 0}]


def test_enhanced_request_from_the_api_docs(client):
    payload = {
        "text": "John Smith drivers license is AC432223 and the zip code is 12345",
        "language": "en", "return_decision_process": False,
        "correlation_id": "123e4567-e89b-12d3-a456-426614174000", "score_threshold": 0.6,
        "entities": ["US_DRIVER_LICENSE", "ZIP"], "trace": False,
        "ad_hoc_recognizers": [{"name": "Zip code Recognizer", "supported_language": "en",
                                "patterns": [{"name": "zip code (weak)", "regex": "(\\b\\d{5}(?:\\-\\d{4})?\\b)",
                                              "score": 0.01}],
                                "context": ["zip", "code"], "supported_entity": "ZIP"}],
    }
    r = client.post("/analyze", json=payload)
    assert r.status_code == 200 and r.json() == []  # 0.01 + context 0.35 -> 0.4, under the 0.6 threshold
    r = client.post("/analyze", json={**payload, "score_threshold": 0.3, "return_decision_process": True})
    [zip_result] = r.json()
    assert (zip_result["entity_type"], zip_result["start"], zip_result["end"]) == ("ZIP", 59, 64)
    assert zip_result["score"] == pytest.approx(0.4)
    explanation = zip_result["analysis_explanation"]
    assert explanation["recognizer"] == "Zip code Recognizer" and explanation["supportive_context_word"] == "code"
    assert explanation["original_score"] == pytest.approx(0.01)


def test_batch_text_gives_a_list_of_lists(client):
    r = client.post("/analyze", json={"text": ["Carol lives in Paris", "nothing here", "Mail bob@example.com"],
                                      "language": "en"})
    got = [[(x["entity_type"], x["start"], x["end"]) for x in doc] for doc in r.json()]
    assert got == [[("PERSON", 0, 5), ("LOCATION", 15, 20)], [], [("EMAIL_ADDRESS", 5, 20)]]


@pytest.mark.parametrize(
    "extra, expected",
    [
        ({"entities": ["LOCATION"]}, [("LOCATION", 21, 26)]),
        ({"allow_list": ["Paris"]}, [("PERSON", 0, 11)]),
        ({"allow_list": ["^Al"], "allow_list_match": "regex"}, [("LOCATION", 21, 26)]),
        ({"ad_hoc_recognizers": [{"supported_entity": "TITLE", "deny_list": ["lives"]}]},
         [("PERSON", 0, 11), ("TITLE", 12, 17), ("LOCATION", 21, 26)]),
        ({"ad_hoc_recognizers": [{"supported_entity": "TITLE", "supported_language": "de", "deny_list": ["lives"]}]},
         [("PERSON", 0, 11), ("LOCATION", 21, 26)]),
    ],
)
def test_analyze_options(client, extra, expected):
    r = client.post("/analyze", json={"text": f"{PLANTED} lives in Paris", "language": "en", **extra})
    assert r.status_code == 200, r.text
    assert [(x["entity_type"], x["start"], x["end"]) for x in r.json()] == expected


def test_decision_process_names_the_definition_never_the_value(client):
    r = client.post("/analyze", json={"text": f"{PLANTED} wrote", "language": "en", "return_decision_process": True})
    [result] = r.json()
    assert result["analysis_explanation"]["textual_explanation"].startswith("JPT match for definition of PERSON")
    assert "Alice" not in r.text


def test_recognizers_and_supported_entities(client):
    assert client.get("/supportedentities").json() == ["CUSTOMER_ID", "EMAIL_ADDRESS", "LOCATION", "PERSON", "US_SSN"]
    assert client.get("/supportedentities", params={"language": "fr"}).json() == []
    names = client.get("/recognizers", params={"language": "en"}).json()
    assert names[0] == "JPTRecognizer" and "pattern:email" in names
    assert client.get("/health").json() == {"status": "ok", "policy": {"name": "service-test", "version": "3"}}


# -- anonymizer --------------------------------------------------------------------------------
def test_replace_and_redact_example(client):
    r = client.post("/anonymize", json={
        "text": "hello world, my name is Jane Doe. My number is: 034453334",
        "anonymizers": {"PERSON": {"type": "redact"}, "PHONE_NUMBER": {"type": "replace", "new_value": "ANONYMIZED"}},
        "analyzer_results": [{"start": 24, "end": 32, "score": 0.8, "entity_type": "PERSON"},
                             {"start": 48, "end": 57, "score": 0.95, "entity_type": "PHONE_NUMBER"}]})
    assert r.json() == {"text": "hello world, my name is . My number is: ANONYMIZED", "items": [
        {"start": 40, "end": 50, "entity_type": "PHONE_NUMBER", "text": "ANONYMIZED", "operator": "replace"},
        {"start": 24, "end": 24, "entity_type": "PERSON", "text": "", "operator": "redact"}]}


def test_replace_as_default_example(client):
    r = client.post("/anonymize", json={
        "text": "hello world, my name is Jane Doe.",
        "anonymizers": {"DEFAULT": {"type": "replace", "new_value": "ANONYMIZED"}},
        "analyzer_results": [{"start": 24, "end": 32, "score": 0.8, "entity_type": "PERSON"}]})
    assert r.json() == {"text": "hello world, my name is ANONYMIZED.", "items": [
        {"start": 24, "end": 34, "entity_type": "PERSON", "text": "ANONYMIZED", "operator": "replace"}]}


@pytest.mark.parametrize(
    "operator, expected",
    [
        (None, "call <PERSON> now"),
        ({"type": "mask", "masking_char": "*", "chars_to_mask": 4, "from_end": True}, "call Alice S**** now"),
        ({"type": "mask", "masking_char": "#", "chars_to_mask": 100}, "call ########### now"),
        ({"type": "keep"}, "call Alice Smith now"),
        ({"type": "replace", "new_value": "{x}"}, "call {x} now"),
    ],
)
def test_anonymize_operators(client, operator, expected):
    payload = {"text": "call Alice Smith now",
               "analyzer_results": [{"start": 5, "end": 16, "score": 0.9, "entity_type": "PERSON"}]}
    if operator:
        payload["anonymizers"] = {"PERSON": operator}
    assert client.post("/anonymize", json=payload).json()["text"] == expected


def test_analyze_output_feeds_anonymize_and_hash_is_keyed(client):
    text = f"{PLANTED} lives in Paris"
    results = client.post("/analyze", json={"text": text, "language": "en", "return_decision_process": True}).json()
    r = client.post("/anonymize", json={"text": text, "analyzer_results": results,
                                        "anonymizers": {"PERSON": {"type": "hash"}}})
    out = r.json()["text"]
    digest = out.split(" ")[0]
    assert len(digest) == 64 and int(digest, 16) >= 0 and out.endswith(" lives in <LOCATION>")
    import hashlib

    assert digest != hashlib.sha256(PLANTED.encode()).hexdigest()  # keyed, not a plain digest


def test_encrypt_then_deanonymize_with_the_callers_key(client):
    key = "WmZq4t7w!z%C&F)J"
    a = client.post("/anonymize", json={"text": "My name is Chloë", "anonymizers": {
        "PERSON": {"type": "encrypt", "key": key}},
        "analyzer_results": [{"start": 11, "end": 16, "score": 0.8, "entity_type": "PERSON"}]}).json()
    assert a["text"].startswith("My name is [ENC:PERSON:") and "Chlo" not in a["text"]
    d = client.post("/deanonymize", json={"text": a["text"], "anonymizer_results": a["items"],
                                          "deanonymizers": {"PERSON": {"type": "decrypt", "key": key}}})
    assert d.json() == {"text": "My name is Chloë", "items": [
        {"start": 11, "end": 16, "entity_type": "PERSON", "text": "Chloë", "operator": "decrypt"}]}
    wrong = client.post("/deanonymize", json={"text": a["text"], "anonymizer_results": a["items"],
                                              "deanonymizers": {"DEFAULT": {"type": "decrypt", "key": "x" * 16}}})
    assert wrong.status_code == 422 and "Chlo" not in wrong.text


def test_presidio_ciphertext_is_a_clean_422(client):
    # the api-docs' deanonymize example holds Presidio's AES-CBC format, which is not ours
    r = client.post("/deanonymize", json={
        "text": "My name is S184CMt9Drj7QaKQ21JTrpYzghnboTF9pn/neN8JME0=",
        "deanonymizers": {"PERSON": {"type": "decrypt", "key": "WmZq4t7w!z%C&F)J"}},
        "anonymizer_results": [{"start": 11, "end": 55, "entity_type": "PERSON"}]})
    assert r.status_code == 422 and r.json() == {"error": "anonymizer_results[0]: no encrypted token there"}


def test_lists_of_operators(client):
    assert {"replace", "redact", "mask", "hash", "encrypt", "keep", "pseudonymize"} <= set(client.get("/anonymizers").json())
    assert client.get("/deanonymizers").json() == ["decrypt"]


# -- refusals ----------------------------------------------------------------------------------
JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    "path, kwargs, status",
    [
        ("/analyze", {"content": b'{"text": "Alice Smith", "language": ', "headers": JSON}, 400),
        ("/analyze", {"content": b'["Alice Smith"]', "headers": JSON}, 400),
        ("/analyze", {"content": b"Alice Smith", "headers": {"content-type": "text/plain"}}, 415),
        ("/analyze", {"content": json.dumps({"text": "Alice Smith " * 10_000, "language": "en"}).encode(),
                      "headers": JSON}, 413),
        ("/analyze", {"json": {"text": "Alice Smith", "language": "en", "entities": ["NOT_A_TYPE"]}}, 400),
        ("/analyze", {"json": {"text": "Alice Smith", "language": "xx"}}, 400),
        ("/analyze", {"json": {"text": "Alice Smith", "language": "en", "Alice Smith": 1}}, 400),
        ("/analyze", {"json": {"text": "", "language": "en"}}, 400),
        ("/analyze", {"json": {"text": "Alice Smith", "language": "en",
                               "ad_hoc_recognizers": [{"supported_entity": "X", "patterns": [
                                   {"regex": "(Alice Smith", "score": 0.5}]}]}}, 400),
        ("/analyze", {"content": b'{"text": "Alice Smith\\ud800", "language": "en"}', "headers": JSON}, 400),
        ("/anonymize", {"json": {"text": "Alice Smith", "anonymizers": {"PERSON": {"type": "no_such_op"}},
                                 "analyzer_results": [{"start": 0, "end": 11, "score": 1, "entity_type": "PERSON"}]}},
         422),
        ("/anonymize", {"json": {"text": "Alice Smith", "anonymizers": {"PERSON": {"type": "mask", "masking_char": "**",
                                                                                  "chars_to_mask": 2}},
                                 "analyzer_results": [{"start": 0, "end": 11, "score": 1, "entity_type": "PERSON"}]}},
         422),
        ("/anonymize", {"json": {"text": "Alice Smith", "anonymizers": {"Alice Smith": {"type": "hash", "hash_type": "md5"}},
                                 "analyzer_results": [{"start": 0, "end": 11, "score": 1, "entity_type": "Alice Smith"}]}},
         422),
        ("/anonymize", {"json": {"text": "Alice Smith", "anonymizers": {"PERSON": {"type": "custom", "lambda": "x"}},
                                 "analyzer_results": [{"start": 0, "end": 11, "score": 1, "entity_type": "PERSON"}]}},
         422),
        ("/anonymize", {"json": {"text": "Alice Smith", "anonymizers": {"PERSON": {"type": "replace", "numbered": 3}},
                                 "analyzer_results": [{"start": 0, "end": 11, "score": 1, "entity_type": "PERSON"}]}},
         422),
        ("/anonymize", {"json": {"text": "Alice Smith",
                                 "analyzer_results": [{"start": 0, "end": 99, "score": 1, "entity_type": "PERSON"}]}},
         422),
        ("/v1/redact", {"json": {"texts": ["Alice Smith"], "document_ids": ["a", "b"]}}, 400),
        ("/v1/redact", {"json": {"text": "Alice Smith", "texts": ["Alice Smith"]}}, 400),
    ],
)
def test_refusals_are_clean_and_never_echo_input(client, path, kwargs, status):
    r = client.post(path, **kwargs)
    assert r.status_code == status, r.text
    body = r.json()
    message = body["error"] if isinstance(body["error"], str) else body["error"]["message"]
    assert message and "Alice" not in r.text and "Smith" not in r.text
