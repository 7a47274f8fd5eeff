"""/v1/redact and /v1/analyze of a real server process: results, audit records written by the
server, and 64 concurrent clients with distinct planted values (no cross-talk, none lost or
duplicated, and micro-batched into fewer model calls than requests)."""
from __future__ import annotations

import asyncio
import json
import re

import httpx
import pytest

from jpt_redact.exporters.audit import read_records
from test_service_harness import start_service

CLIENTS = 64


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    audit = tmp_path_factory.mktemp("audit") / "audit.jsonl"
    record = tmp_path_factory.mktemp("engines")
    config = {"audit_path": str(audit), "batching": {"max_batch": 64, "max_wait_ms": 20},
              "engine_options": {"delay_s": 0.02, "record_dir": str(record)}}
    for s in start_service(tmp_path_factory, config):
        s.audit, s.engines = audit, record
        yield s


@pytest.fixture(scope="module")
def client(service):
    with httpx.Client(base_url=service.url, timeout=30) as c:
        yield c


def test_redact_returns_text_and_findings_without_values(client):
    r = client.post("/v1/redact", json={"texts": ["Alice Smith lives in Paris", "SSN 123-45-6789", ""],
                                        "document_ids": ["doc-a", "doc-b", "doc-c"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["policy"] == {"name": "service-test", "version": "3"}
    texts = [x["text"] for x in body["results"]]
    assert texts == ["<PERSON> lives in <CITY>", "SSN <US_SSN>", ""]
    assert [(f["label"], f["start"], f["end"]) for f in body["results"][0]["findings"]] == [
        ("PERSON", 0, 11), ("CITY", 21, 26)]
    assert "Alice" not in r.text and "6789" not in r.text and "input_sha256" not in r.text


def test_email_is_encrypted_with_the_servers_key(client):
    text = client.post("/v1/redact", json={"text": "mail bob@example.com"}).json()["results"][0]["text"]
    assert re.fullmatch(r"mail \[ENC:EMAIL_ADDRESS:[A-Za-z0-9_-]+\]", text)


def test_analyze_returns_spans(client):
    r = client.post("/v1/analyze", json={"texts": ["Carol in Springfield", "C-1234567"]})
    spans = [[(s["label"], s["start"], s["end"]) for s in x["spans"]] for x in r.json()["results"]]
    assert spans == [[("PERSON", 0, 5), ("CITY", 9, 20)], [("CUSTOMER_ID", 0, 9)]]


def _metric(text: str, name: str) -> float:
    m = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


def test_concurrent_clients_get_only_their_own_findings(service, client):
    before = client.get("/metrics").text

    def request_for(i: int) -> dict:
        # a client-specific prefix puts each client's values at its own offsets
        prefix = "x" * i
        return {"texts": [f"{prefix} id C-{i:07d} ssn {100 + i}-45-{6000 + i}"], "document_ids": [f"client-{i}"]}

    async def run() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
        async with httpx.AsyncClient(base_url=service.url, timeout=60, limits=limits) as c:
            return await asyncio.gather(*(c.post("/v1/redact", json=request_for(i)) for i in range(CLIENTS)))

    responses = asyncio.run(run())
    for i, r in enumerate(responses):
        assert r.status_code == 200, r.text
        [result] = r.json()["results"]
        prefix = "x" * i
        assert result["text"] == f"{prefix} id <CUSTOMER_ID> ssn <US_SSN>"
        start = len(prefix) + 4
        assert [(f["label"], f["start"], f["end"]) for f in result["findings"]] == [
            ("CUSTOMER_ID", start, start + 9), ("US_SSN", start + 14, start + 25)]
        others = [f"C-{j:07d}" for j in range(CLIENTS)]
        assert not any(o in r.text for o in others)

    after = client.get("/metrics").text
    calls = _metric(after, "jpt_redact_batch_texts_count") - _metric(before, "jpt_redact_batch_texts_count")
    texts = _metric(after, "jpt_redact_batch_texts_sum") - _metric(before, "jpt_redact_batch_texts_sum")
    assert texts == CLIENTS
    assert calls < CLIENTS / 2, f"{CLIENTS} requests took {calls} model calls: no micro-batching"

    # one model for the process, loaded once at start-up, whatever the concurrency
    assert [p.read_text() for p in service.engines.iterdir()] == ["engine built\n"]

    records = read_records(service.audit)
    ids = [r["document_id"] for r in records if r["document_id"].startswith("client-")]
    assert sorted(ids) == sorted(f"client-{i}" for i in range(CLIENTS))  # none lost, none twice
    assert "C-00000" not in service.audit.read_text(encoding="utf-8")
