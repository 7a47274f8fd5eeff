"""model/backbone.py: the GGUF conversion's shared parse (the conversion itself runs in the
slow default-model tests and in benchmarks/gguf_convert.py, which checks identical weights)."""
from __future__ import annotations

import gguf
import pytest

from jpt_redact.model import backbone


class CountingReader:
    opened: list = []

    def __init__(self, path, mode="r"):
        CountingReader.opened.append((str(path), mode))


@pytest.fixture
def counting(monkeypatch):
    CountingReader.opened = []
    monkeypatch.setattr(gguf, "GGUFReader", CountingReader)
    return CountingReader


def test_one_parse_per_path_while_converting(counting):
    with backbone._one_gguf_parse():
        from gguf import GGUFReader  # how transformers imports it, inside each loader

        first, again, other = GGUFReader("a.gguf"), GGUFReader("a.gguf"), GGUFReader("b.gguf")
    assert first is again and first is not other
    assert counting.opened == [("a.gguf", "r"), ("b.gguf", "r")]


def test_the_reader_is_restored_even_on_error(counting):
    with pytest.raises(RuntimeError):
        with backbone._one_gguf_parse():
            raise RuntimeError("conversion failed")
    assert gguf.GGUFReader is counting
    gguf.GGUFReader("a.gguf")
    gguf.GGUFReader("a.gguf")
    assert len(counting.opened) == 2  # outside the conversion every call parses again
