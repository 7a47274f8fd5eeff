"""The `findings-csv` output format: one CSV row per finding (document, type, offsets, action),
all documents in one stream. Never the values: only what RedactionResult.findings records."""
from __future__ import annotations

import csv
import io

from jpt_redact.exporters.formats.base import Exporter


class FindingsCsvExporter(Exporter):
    """`jpt-redact docs/ -p policy.yaml --format findings-csv -o findings.csv`"""

    streaming = True  # one stream for every document: -o FILE or stdout, not --out-dir

    def render(self, result, document_id):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for finding in result.findings:
            span = finding.span
            writer.writerow([document_id, span.label, span.start, span.end, finding.action])
        return out.getvalue()
