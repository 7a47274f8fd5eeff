"""Reading inputs (files, streams, directories) and atomic, non-clobbering writes."""
from __future__ import annotations

import io as pyio
import os
from pathlib import Path

import pytest

from jpt_redact import io
from jpt_redact.errors import InputError


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"   \n\t\n", "empty"),
        (b"hello\x00world", "looks binary"),
        (bytes(range(1, 32)) * 10, "looks binary"),
        (b"caf\xe9 au lait", "invalid utf-8 at byte offset 3"),
        (b"ok line\n\xff\xfe rest", "invalid utf-8 at byte offset 8"),
    ],
)
def test_decode_text_rejects(data: bytes, message: str):
    with pytest.raises(InputError) as info:
        io.decode_text(data, "doc.txt")
    text = str(info.value)
    assert text.startswith("doc.txt: ")
    assert message in text
    assert "\n" not in text


def test_invalid_utf8_suggests_encoding_option():
    with pytest.raises(InputError, match="--encoding"):
        io.decode_text(b"caf\xe9", "x")


@pytest.mark.parametrize(
    "data, encoding, expected",
    [
        (b"plain text\n", "utf-8", "plain text\n"),
        (b"\xef\xbb\xbfwith bom", "utf-8", "with bom"),
        (b"caf\xe9", "latin-1", "caf\u00e9"),
        (b"tabs\tand\r\nCRLF\x0cform feed", "utf-8", "tabs\tand\r\nCRLF\x0cform feed"),
    ],
)
def test_decode_text_accepts(data: bytes, encoding: str, expected: str):
    assert io.decode_text(data, "x", encoding=encoding) == expected


def test_unknown_encoding_is_an_input_error():
    with pytest.raises(InputError, match="unknown encoding"):
        io.decode_text(b"abc", "x", encoding="no-such-codec")


def test_allow_empty():
    assert io.decode_text(b"", "x", allow_empty=True) == ""


def test_read_text_file_missing_and_directory(tmp_path: Path):
    with pytest.raises(InputError, match="no such file"):
        io.read_text_file(tmp_path / "absent.txt")
    with pytest.raises(InputError, match="is a directory"):
        io.read_text_file(tmp_path)


def test_read_text_file_size_limit(tmp_path: Path):
    f = tmp_path / "big.txt"
    f.write_text("a" * 2000)
    with pytest.raises(InputError, match="size limit"):
        io.read_text_file(f, max_bytes=1000)
    assert io.read_text_file(f, max_bytes=None) == "a" * 2000


def test_read_stream_same_checks():
    assert io.read_stream(pyio.BytesIO(b"hi there")) == "hi there"
    with pytest.raises(InputError, match="<stdin>: looks binary"):
        io.read_stream(pyio.BytesIO(b"\x00\x01"))
    with pytest.raises(InputError, match="size limit"):
        io.read_stream(pyio.BytesIO(b"x" * 50), max_bytes=10)


def _tree(root: Path) -> None:
    (root / "a" / "b").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "top.txt").write_text("t")
    (root / "a" / "one.txt").write_text("1")
    (root / "a" / "b" / "two.txt").write_text("2")
    (root / ".hidden.txt").write_text("h")
    (root / ".git" / "config").write_text("c")


def test_expand_inputs_walks_directories_and_skips_hidden(tmp_path: Path):
    _tree(tmp_path / "docs")
    extra = tmp_path / "extra.txt"
    extra.write_text("e")
    found = io.expand_inputs([tmp_path / "docs", extra])
    assert [str(f.relative) for f in found] == ["a/b/two.txt", "a/one.txt", "top.txt", "extra.txt"]
    assert found[-1].path == extra


def test_expand_inputs_excludes_output_dir(tmp_path: Path):
    _tree(tmp_path)
    found = io.expand_inputs([tmp_path], exclude=[tmp_path / "a"])
    assert [str(f.relative) for f in found] == ["top.txt"]


def test_expand_inputs_errors(tmp_path: Path):
    with pytest.raises(InputError, match="no such file or directory"):
        io.expand_inputs([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="directory has no files"):
        io.expand_inputs([tmp_path / "empty"])


def test_out_dir_targets_mirror_and_refuse_inputs(tmp_path: Path):
    _tree(tmp_path / "docs")
    files = io.expand_inputs([tmp_path / "docs"])
    targets = io.out_dir_targets(tmp_path / "out", files, suffix=".json")
    assert targets[tmp_path / "docs" / "a" / "one.txt"] == tmp_path / "out" / "a" / "one.txt.json"
    with pytest.raises(InputError, match="refusing to overwrite an input"):
        io.out_dir_targets(tmp_path / "docs", files)


def test_out_dir_targets_refuse_collisions(tmp_path: Path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    (tmp_path / "x" / "same.txt").write_text("1")
    (tmp_path / "y" / "same.txt").write_text("2")
    files = io.expand_inputs([tmp_path / "x", tmp_path / "y"])
    with pytest.raises(InputError, match="would both be written"):
        io.out_dir_targets(tmp_path / "out", files)


def test_refuse_overwrite_sees_through_symlinks(tmp_path: Path):
    src = tmp_path / "in.txt"
    src.write_text("x")
    link = tmp_path / "link.txt"
    link.symlink_to(src)
    with pytest.raises(InputError, match="refusing to overwrite"):
        io.refuse_overwrite(link, [src])
    io.refuse_overwrite(tmp_path / "other.txt", [src])  # fine


def test_write_text_atomic_replaces_and_creates_dirs(tmp_path: Path):
    target = tmp_path / "deep" / "out.txt"
    io.write_text_atomic(target, "first")
    io.write_text_atomic(target, "second")
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]  # no temp files left


def test_write_text_atomic_refuses_input(tmp_path: Path):
    src = tmp_path / "in.txt"
    src.write_text("original")
    with pytest.raises(InputError):
        io.write_text_atomic(src, "clobbered", inputs=[src])
    assert src.read_text() == "original"


def test_atomic_writer_keeps_old_file_on_failure(tmp_path: Path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with io.atomic_writer(target) as fh:
            fh.write("half")
            raise RuntimeError("crash mid-write")
    assert target.read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["out.txt"]


def test_utf16_with_encoding_option_is_not_binary():
    data = "Carol caf\u00e9\n".encode("utf-16")
    with pytest.raises(InputError, match="looks binary"):
        io.decode_text(data, "x")  # as UTF-8 it is NUL-ridden
    assert io.decode_text(data, "x", encoding="utf-16") == "Carol caf\u00e9\n"
