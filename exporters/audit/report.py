"""Summaries of an audit log: counts per type, document, action and day, as text or HTML.

The report is built from the audit records only, so it holds no values or document text. The
chain status says how far it was checked: "OK" only with the key (MACs and the end-of-log
anchor verified); without one the chain is merely "consistent", because an edited log whose
hashes were recomputed passes an unkeyed check.
"""
from __future__ import annotations

import html
import os
from collections import Counter

from ...keys import KeyProvider
from .log import read_records, verify_log


def summarize(path: str | os.PathLike, keys: KeyProvider | None = None) -> dict:
    """Counts of findings per type, per document, per action and per day, plus chain status
    (authenticated with `keys`, when given and holding a key)."""
    records = read_records(path)
    by_type: Counter[str] = Counter()
    by_action: Counter[str] = Counter()
    by_document: Counter[str] = Counter()
    by_day: Counter[str] = Counter()
    documents_by_day: Counter[str] = Counter()
    policies: Counter[str] = Counter()
    times = []
    for rec in records:
        findings = rec.get("findings") or []
        doc = rec.get("document_id")
        doc = str(doc) if doc is not None else f"#{rec.get('seq', '?')}"
        day = str(rec.get("time", ""))[:10] or "unknown"
        by_document[doc] += len(findings)
        by_day[day] += len(findings)
        documents_by_day[day] += 1
        pol = rec.get("policy") or {}
        policies[f"{pol.get('name')}@{pol.get('version')}"] += 1
        if rec.get("time"):
            times.append(str(rec["time"]))
        for f in findings:
            by_type[str(f.get("label"))] += 1
            by_action[str(f.get("action"))] += 1
    chain = verify_log(path, keys, require_anchor=True)
    return {
        "path": str(path),
        "records": len(records),
        "documents": len(by_document),
        "findings": sum(by_type.values()),
        "by_type": dict(by_type.most_common()),
        "by_action": dict(by_action.most_common()),
        "by_document": dict(by_document.most_common()),
        "by_day": dict(sorted(by_day.items())),
        "documents_by_day": dict(sorted(documents_by_day.items())),
        "policies": dict(policies.most_common()),
        "first_time": min(times) if times else None,
        "last_time": max(times) if times else None,
        "chain": chain.to_dict(),
    }


def _table(title: str, counts: dict, header: str) -> list[str]:
    if not counts:
        return [title, "  (none)", ""]
    width = max(len(header), *(len(str(k)) for k in counts))
    lines = [title, f"  {header:<{width}}  {'count':>7}", f"  {'-' * width}  {'-' * 7}"]
    lines += [f"  {str(k):<{width}}  {v:>7}" for k, v in counts.items()]
    return lines + [""]


def _chain_line(chain: dict) -> str:
    if chain["ok"] and chain.get("authenticated"):
        return f"chain: OK ({chain['records']} records; MACs and end-of-log anchor verified with the key)"
    if chain["ok"]:
        return (f"chain: consistent but NOT authenticated ({chain['records']} records): no key was given, and an "
                "edited log whose hashes were recomputed passes this check; verify with the key")
    where = f" at line {chain['first_bad_line']}" if chain["first_bad_line"] else ""
    return f"chain: BROKEN{where}: {chain['reason']}"


def render_text(summary: dict) -> str:
    """A plain-text report with one table per breakdown."""
    head = [
        f"audit log: {summary['path']}",
        f"records: {summary['records']}   documents: {summary['documents']}   findings: {summary['findings']}",
        f"period: {summary['first_time'] or '-'} .. {summary['last_time'] or '-'}",
        _chain_line(summary["chain"]),
        "",
    ]
    body = (
        _table("Findings per type", summary["by_type"], "type")
        + _table("Findings per action", summary["by_action"], "action")
        + _table("Findings per day", summary["by_day"], "day")
        + _table("Findings per document", summary["by_document"], "document")
        + _table("Records per policy", summary["policies"], "policy")
    )
    return "\n".join(head + body).rstrip() + "\n"


def _hbar_svg(counts: dict, title: str) -> str:
    """Horizontal bars, one per key: used for types (labels can be long)."""
    if not counts:
        return f'<p class="empty">{html.escape(title)}: none</p>'
    bar_h, gap, left, width = 20, 6, 180, 360
    top = max(counts.values()) or 1
    height = len(counts) * (bar_h + gap) + gap
    rows = []
    for i, (k, v) in enumerate(counts.items()):
        y = gap + i * (bar_h + gap)
        w = max(1, round(width * v / top))
        rows.append(
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{html.escape(str(k))}</text>'
            f'<rect x="{left}" y="{y}" width="{w}" height="{bar_h}" fill="#3b6ea5"><title>{html.escape(str(k))}: {v}</title></rect>'
            f'<text x="{left + w + 6}" y="{y + 15}">{v}</text>'
        )
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{html.escape(title)}" '
            f'width="{left + width + 60}" height="{height}" font-family="sans-serif" font-size="12">'
            + "".join(rows) + "</svg>")


def _vbar_svg(counts: dict, title: str) -> str:
    """Vertical bars in key order: used for days."""
    if not counts:
        return f'<p class="empty">{html.escape(title)}: none</p>'
    bar_w, gap, plot_h, bottom = 28, 10, 160, 70
    top = max(counts.values()) or 1
    width = len(counts) * (bar_w + gap) + gap
    cols = []
    for i, (k, v) in enumerate(counts.items()):
        x = gap + i * (bar_w + gap)
        h = max(1, round(plot_h * v / top)) if v else 0
        y = 20 + plot_h - h
        cols.append(
            f'<rect x="{x}" y="{y}" width="{bar_w}" height="{h}" fill="#d2773a"><title>{html.escape(str(k))}: {v}</title></rect>'
            f'<text x="{x + bar_w / 2}" y="{y - 4}" text-anchor="middle">{v}</text>'
            f'<text transform="translate({x + bar_w / 2},{20 + plot_h + 8}) rotate(60)">{html.escape(str(k))}</text>'
        )
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{html.escape(title)}" '
            f'width="{max(width, 200)}" height="{20 + plot_h + bottom}" font-family="sans-serif" font-size="11">'
            + "".join(cols) + "</svg>")


def _html_table(counts: dict, header: str) -> str:
    rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td class=n>{v}</td></tr>" for k, v in counts.items())
    return f"<table><tr><th>{html.escape(header)}</th><th>count</th></tr>{rows}</table>"


def render_html(summary: dict) -> str:
    """A self-contained HTML page (inline CSS and SVG, no scripts or external files)."""
    chain = summary["chain"]
    status = "ok" if chain["ok"] and chain.get("authenticated") else "bad"
    e = html.escape
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>jpt-redact audit report</title>
<style>
body{{font-family:sans-serif;margin:2em;color:#222}} table{{border-collapse:collapse;margin:.5em 0 1.5em}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left}} td.n{{text-align:right}}
.ok{{color:#2a7d2a}} .bad{{color:#b00020;font-weight:bold}} .empty{{color:#777}}
</style></head><body>
<h1>Audit report</h1>
<p>Log: <code>{e(summary['path'])}</code><br>
Records: {summary['records']} &middot; documents: {summary['documents']} &middot; findings: {summary['findings']}<br>
Period: {e(str(summary['first_time'] or '-'))} .. {e(str(summary['last_time'] or '-'))}<br>
<span class="{status}">{e(_chain_line(chain))}</span></p>
<h2>Findings per type</h2>
{_hbar_svg(summary['by_type'], 'Findings per type')}
{_html_table(summary['by_type'], 'type')}
<h2>Findings per day</h2>
{_vbar_svg(summary['by_day'], 'Findings per day')}
{_html_table(summary['by_day'], 'day')}
<h2>Findings per action</h2>
{_html_table(summary['by_action'], 'action')}
<h2>Findings per document</h2>
{_html_table(summary['by_document'], 'document')}
</body></html>
"""
