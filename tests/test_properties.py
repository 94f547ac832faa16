"""Property: no YAML document, however odd, produces a traceback; only diagnostics."""

from __future__ import annotations

import datetime
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.model.loader import Document, parse_text
from generator.render.text import _render, is_plain, markdown_to_html
from generator.model.declare import default_model
from generator.model.validate import SourceFile, validate_document

MODEL = default_model()
KINDS = MODEL.kinds
FIELD_NAMES = sorted({name for kind in KINDS.values() for name in kind.model.model_fields} | {"trigger", "team", "role"})

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
    st.text(max_size=30), st.sampled_from(["weekly", "every 3 weeks", "10-20%", "no", "1.10", "checkout"]),
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2200, 1, 1)),
)
keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(min_size=1, max_size=12))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)), max_leaves=25)
documents = st.dictionaries(keys, values, max_size=12)


def validate_everywhere(doc: Document) -> None:
    for kind in list(KINDS) + ["handbook"]:
        model, diags = validate_document(SourceFile(kind, "x", Path("x.yaml"), "x.yaml"), doc, MODEL)
        assert (model is None) == bool(diags)
        for d in diags:
            assert d.line >= 1 and d.col >= 1 and d.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_random_documents_give_diagnostics_not_tracebacks(data):
    raw = yaml.safe_dump(data, allow_unicode=True).encode()
    doc, diags = parse_text(raw, "x.yaml")
    if doc is None:
        assert diags and diags[0].message
        return
    validate_everywhere(doc)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_random_text_is_never_a_traceback(text):
    doc, diags = parse_text(text.encode("utf-8", "surrogatepass"), "x.yaml")
    assert (doc is None) == bool(diags)
    if doc is not None:
        validate_everywhere(doc)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_are_never_a_traceback(raw):
    doc, diags = parse_text(raw, "x.yaml")
    assert (doc is None) == bool(diags)


# Letters, digits, punctuation incl. Markdown syntax, spaces of several kinds, line breaks.
PROSE_ALPHABET = st.sampled_from(list("aZé漢 09.,;:'\"-+()/?%$@*_`[]<>#|~^=&!\\{}") + ["\u00a0", "\n", "\t", "\u2028"])


@given(st.text(PROSE_ALPHABET, max_size=40))
def test_plain_text_fast_path_equals_markdown(text):
    """Plain one-line text skips Python-Markdown and nh3; the HTML must be what they give."""
    if is_plain(text):
        assert _render.__wrapped__(text) == markdown_to_html(text)


@given(st.from_regex(r"[A-Za-zé][A-Za-zé0-9 .,;:'\"()/?%$@+-]{0,40}", fullmatch=True))
def test_plain_looking_sentences_take_the_fast_path_safely(text):
    if is_plain(text):
        assert _render.__wrapped__(text) == markdown_to_html(text)
