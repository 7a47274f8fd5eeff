import json
import re

from jpt_redact.exporters.audit import AuditWriter, canonical_json
from jpt_redact.keys import KeyProvider
from jpt_redact.exporters.audit.report import render_html, render_text, summarize
from jpt_redact.findings import Finding, Span
from jpt_redact.policy import parse_policy

KEYS = KeyProvider.from_bytes(bytes(range(9, 41)))
POLICY = parse_policy("""
name: report-test
entities:
  PERSON: {definition: "a person's name for the test"}
""")


def f(label, action, start=0):
    return Finding(Span(start, start + 3, label, 0.9), action, None, KEYS.hmac_hex("v", label))


def make_log(tmp_path):
    log = tmp_path / "audit.jsonl"
    w = AuditWriter(log, KEYS, fsync=False)
    docs = {
        "a.txt": [f("PERSON", "replace"), f("PERSON", "replace", 5), f("US_SSN", "mask", 10)],
        "b.txt": [f("EMAIL_ADDRESS", "hash")],
        "c<script>.txt": [],
    }
    for doc, found in docs.items():
        w.write(document_id=doc, input_text="in", output_text="out", findings=found, policy=POLICY, model_id="m")
    w.close()
    lines = [json.loads(l) for l in log.read_text().splitlines()]  # the header first
    return log, lines


def test_summary_counts(tmp_path):
    log, _ = make_log(tmp_path)
    s = summarize(log)
    assert s["records"] == 3 and s["documents"] == 3 and s["findings"] == 4
    assert s["by_type"] == {"PERSON": 2, "US_SSN": 1, "EMAIL_ADDRESS": 1}
    assert s["by_action"] == {"replace": 2, "mask": 1, "hash": 1}
    assert s["by_document"] == {"a.txt": 3, "b.txt": 1, "c<script>.txt": 0}
    assert sum(s["by_day"].values()) == 4 and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in s["by_day"])
    assert s["policies"] == {"report-test@1": 3}
    assert s["chain"]["ok"]


def test_summary_groups_by_day_and_reports_a_broken_chain(tmp_path):
    log, recs = make_log(tmp_path)
    header = log.read_text().splitlines(keepends=True)[0]
    recs[2]["time"] = "2020-01-02T03:04:05.000Z"  # edited without rehashing: the chain breaks
    log.write_text(header + "".join(canonical_json(r) + "\n" for r in recs[1:]))
    s = summarize(log)
    assert s["by_day"]["2020-01-02"] == 1 and list(s["by_day"])[0] == "2020-01-02"
    assert not s["chain"]["ok"] and s["chain"]["first_bad_line"] == 3
    assert "BROKEN at line 3" in render_text(s)


def test_an_edited_and_rehashed_log_is_not_reported_ok(tmp_path):
    # issue 14 item 10: `audit report` showed "chain: OK" for an edited and re-hashed chain
    from jpt_redact.exporters.audit import compute_record_hash
    from jpt_redact.exporters.audit.log import header_line

    log, recs = make_log(tmp_path)
    recs = recs[1:]
    recs[0]["findings"] = []
    prev = "0" * 64
    for r in recs:
        r["prev_hash"] = prev
        r["record_hash"] = prev = compute_record_hash(r)
    log.write_text(header_line(3, prev, None).decode() + "".join(canonical_json(r) + "\n" for r in recs))
    unkeyed = render_text(summarize(log))
    assert "chain: OK" not in unkeyed and "NOT authenticated" in unkeyed
    keyed = summarize(log, KEYS)
    assert not keyed["chain"]["ok"] and "BROKEN at line 1" in render_text(keyed)


def test_text_report_lists_every_breakdown(tmp_path):
    log, _ = make_log(tmp_path)
    text = render_text(summarize(log, KEYS))
    for needle in ("findings: 4", "Findings per type", "PERSON", "Findings per action", "Findings per day",
                   "Findings per document", "a.txt", "chain: OK"):
        assert needle in text


def test_html_report_is_self_contained_with_svg_charts(tmp_path):
    log, _ = make_log(tmp_path)
    page = render_html(summarize(log))
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 2
    assert page.count("<rect") == 3 + 1  # three types, one day
    assert "<script" not in page and "c&lt;script&gt;.txt" in page  # names are escaped
    assert not re.search(r"(src|href)=", page)  # nothing external


def test_empty_log_summary(tmp_path):
    log = tmp_path / "audit.jsonl"
    log.write_text("")
    s = summarize(log)
    assert s["records"] == 0 and s["findings"] == 0 and s["by_type"] == {}
    assert "none" in render_html(s) and "(none)" in render_text(s)
