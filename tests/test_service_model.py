"""`jpt-redact serve --policy default` with the real default model, end to end over HTTP (slow:
the server loads the backbone at start-up; skipped when the model packages are missing)."""
from __future__ import annotations

import httpx
import pytest

from test_default_model import requires_default_model
from test_service_harness import ServiceProcess

pytestmark = [pytest.mark.slow, requires_default_model]


def test_default_model_behind_the_service(tmp_path, monkeypatch):
    import test_service_harness

    monkeypatch.setattr(test_service_harness, "STARTUP_S", 240.0)  # loads and converts the backbone
    service = ServiceProcess(tmp_path, {"policy": "default", "engine_factory": None}).start()
    try:
        text = "Please call John Smith at 555-0100 tomorrow, or write to john.smith@example.com."
        r = httpx.post(service.url + "/v1/redact", json={"texts": [text]}, timeout=120)
        assert r.status_code == 200, r.text
        out = r.json()["results"][0]["text"]
        assert "John" not in out and "Smith" not in out and "john.smith@example.com" not in out
        spans = httpx.post(service.url + "/analyze", json={"text": text, "language": "en"}, timeout=120).json()
        assert "PERSON" in {s["entity_type"] for s in spans}
    finally:
        service.stop()
