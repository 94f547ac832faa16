"""Load: every class of unreadable YAML is refused with its own code, line and column."""

from __future__ import annotations

import time
import tracemalloc
from datetime import date

import pytest

from generator.model.loader import MAX_DEPTH, MAX_FILE_BYTES, load_file, parse_text


def only(raw: bytes | str):
    doc, diags = parse_text(raw.encode() if isinstance(raw, str) else raw, "f.yaml")
    assert doc is None and len(diags) == 1, diags
    d = diags[0]
    return d.code, d.line, d.col, d


@pytest.mark.parametrize("raw, code, line, col", [
    ("name: a\nowner: b\nname: c\n", "duplicate-key", 3, 1),
    ("name: a\nparts:\n\t- x\n", "yaml-tab", 3, 1),
    ('name: "unclosed\nowner: b\n', "yaml-syntax", 1, 7),
    ("last_reviewed: 2026-13-45\n", "invalid-date", 1, 16),
    ("", "empty-file", 1, 1),
    ("# only a comment\n\n", "empty-file", 1, 1),
    ("- a\n- b\n", "not-a-mapping", 1, 1),
    ("just text\n", "not-a-mapping", 1, 1),
    ("a: &x [1]\nb: *x\n", "yaml-alias", 1, 4),
    ("a: 1\n---\nb: 2\n", "multiple-documents", 2, 1),
    ("a: !!python/object:os.system x\n", "yaml-tag", 1, 4),
    ("summary: Goal: ship it\n", "yaml-syntax", 1, 14),
])
def test_unreadable_yaml_is_located(raw, code, line, col):
    assert only(raw)[:3] == (code, line, col)


def test_duplicate_key_names_the_first_line():
    *_, d = only("name: a\nowner: b\nname: c\n")
    assert "first defined on line 1" in d.message and d.hint


def test_tab_and_quote_errors_have_hints():
    assert "spaces" in only("a:\n\tb: 1\n")[3].hint
    assert "quote" in only('a: "open\n')[3].hint


def test_non_utf8_points_at_the_byte():
    code, line, col, d = only(b"name: ok\nsummary: caf\xe9\n")
    assert (code, line, col) == ("encoding", 2, 13)
    assert "0xe9" in d.message


def test_utf8_bom_is_accepted():
    doc, diags = parse_text("\ufeffname: x\n".encode(), "f.yaml")
    assert diags == [] and doc.data == {"name": "x"}


def test_billion_laughs_is_refused_fast_with_bounded_memory():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    raw = ("\n".join(lines) + "\n").encode()
    tracemalloc.start()
    started = time.perf_counter()
    code, *_ = only(raw)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert code == "yaml-alias"
    assert elapsed < 1.0 and peak < 10 * 1024 * 1024


def test_deep_nesting_is_refused_without_crashing():
    # libyaml's C composer recurses and segfaults on this; the event loop must refuse it instead.
    raw = b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n"
    started = time.perf_counter()
    code, line, col, d = only(raw)
    # Our event loop stops at MAX_DEPTH; newer libyaml scanners stop runaway input even earlier.
    assert code == "too-deep" and line == 1 and str(MAX_DEPTH) in d.message and col > MAX_DEPTH
    assert time.perf_counter() - started < 1.0


def test_oversized_file_is_refused_unread(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"name: x\nsummary: " + b"y" * MAX_FILE_BYTES + b"\n")
    doc, diags = load_file(path, "big.yaml")
    assert doc is None and diags[0].code == "file-too-large"


def test_values_keep_yaml_types_and_positions():
    doc, diags = parse_text(b"status: no\nversion: 1.10\nwhen: 2026-01-02\nlist:\n  - a\n  - yes\n", "f.yaml")
    assert diags == []
    assert doc.data == {"status": False, "version": 1.1, "when": date(2026, 1, 2), "list": ["a", True]}
    assert doc.source_text(["status"]) == "no" and doc.source_text(["version"]) == "1.10"
    assert doc.source_text(["list", 0]) is None  # plain text needs no hint
    assert doc.position(["list", 1]) == (6, 5)
    assert doc.position(["version"], key=True) == (2, 1)
    assert doc.position(["list", 7, "x"]) == (5, 3)  # past the data: the nearest known parent
