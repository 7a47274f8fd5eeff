"""The CLI's progress bar: chars/s on a terminal, nothing at all when disabled (-q) or piped."""
from __future__ import annotations

import io
import sys

from jpt_redact.cli import common


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_shows_the_character_rate_on_a_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stderr", _Terminal())
    with common.progress_bar(3, "redacting", enabled=True) as bar:
        bar.advance(chars=1200)
        bar._progress.refresh()
    out = sys.stderr.getvalue()
    assert "redacting" in out and "chars/s" in out and "1/3" in out


def test_progress_bar_writes_nothing_when_disabled_or_piped(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with common.progress_bar(3, "redacting", enabled=False) as bar:  # what -q passes
        bar.advance(chars=1200)
    assert terminal.getvalue() == ""
    piped = io.StringIO()  # not a terminal
    monkeypatch.setattr(sys, "stderr", piped)
    with common.progress_bar(3, "redacting", enabled=True) as bar:
        bar.advance(chars=1200)
    assert piped.getvalue() == ""
