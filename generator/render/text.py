"""Render: turn text from YAML into safe output for the generated Markdown pages.

YAML text is untrusted (anyone can open a pull request), so it never reaches the page as
Markdown source. Prose fields are converted to HTML here, with raw HTML disabled (it shows as
text) and then sanitised by nh3 (only http, https, mailto and relative links survive). Plain
fields such as names are escaped. In both cases the characters that MkDocs' own Markdown pass
would act on (`[`, `*`, `_`, `{`, `|`, …) are written as character references, so that the page's
Markdown pass cannot turn escaped text back into links, emphasis or attributes.
"""

from __future__ import annotations

import re
from functools import lru_cache

import markdown
import nh3
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

# Characters MkDocs' Markdown (with attr_list, tables, pymdownx) could interpret in text.
_ACTIVE = "\\`*_{}[]<>#|~^=&\"'"
# Protected characters travel through markdown and nh3 as private-use code points, then become
# numeric character references.
_TO_PRIVATE = {ord(c): 0xE000 + i for i, c in enumerate(_ACTIVE)}
_FROM_PRIVATE = {0xE000 + i: f"&#{ord(c)};" for i, c in enumerate(_ACTIVE)}
_ESCAPE_PLAIN = {ord(c): f"&#{ord(c)};" for c in _ACTIVE}
# Plain text is inline: a line break in it could start a Markdown block (schema refuses them in
# plain fields; this keeps any value a template prints inert all the same).
_ESCAPE_PLAIN.update({ord(c): " " for c in "\r\n\v\f\x85\u2028\u2029"})

ALLOWED_SCHEMES = {"http", "https", "mailto"}


_MARKDOWN_ACTIVE = re.compile(r"([\\`*_\[\]<>!|~#])")


def escape_markdown(text: object) -> str:
    """Text for Markdown read in a terminal and on GitHub (a pull request's description): each
    character that could start a link, an image, HTML or emphasis behind a backslash."""
    return _MARKDOWN_ACTIVE.sub(r"\\\1", " ".join(str(text).split()))


def escape_plain(text: object) -> Markup:
    """Text shown as-is: no Markdown, no HTML."""
    return Markup(str(text).translate(_ESCAPE_PLAIN))


_STASH_PLACEHOLDER = re.compile("(\x02[^\x03]*\x03)")  # Python-Markdown's stashed code blocks


def _protect(text: str) -> str:
    parts = _STASH_PLACEHOLDER.split(text)
    parts[::2] = [p.translate(_TO_PRIVATE) for p in parts[::2]]
    return "".join(parts)


class _ProtectText(Treeprocessor):
    """Swap active characters in text nodes for private-use code points (see module doc)."""

    def run(self, root):
        for el in root.iter():
            if el.text:
                el.text = _protect(el.text)
            if el.tail:
                el.tail = _protect(el.tail)


class _NoRawHtml(markdown.Extension):
    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_ProtectText(md), "protect-text", -100)


def _new_renderer() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=["tables", "fenced_code", "sane_lists", "def_list", "admonition", _NoRawHtml()],
        output_format="html",
    )


_renderer = _new_renderer()


def _sanitise(html: str) -> str:
    return nh3.clean(
        html,
        url_schemes=ALLOWED_SCHEMES,
        generic_attribute_prefixes=set(),
        attributes={"*": {"class", "title"}, "a": {"href", "title"}, "img": {"src", "alt", "title"},
                    "th": {"align", "style"}, "td": {"align", "style"}, "ol": {"start"}},
        link_rel="noopener noreferrer",
    )


# Markdown syntax, or characters the sanitiser would rewrite. Text without any of it, on one line
# and starting with a letter, is one plain paragraph: no need for Python-Markdown and nh3.
_SYNTAX = re.compile(r"[\\`*_{}\[\]<>#|~^=&!]|\s\s")


def is_plain(text: str) -> bool:
    return text[:1].isalpha() and text.isprintable() and text == text.rstrip() and not _SYNTAX.search(text)


def markdown_to_html(text: str) -> str:
    """The full path: Markdown without raw HTML, sanitised, active characters as references."""
    _renderer.reset()
    return _sanitise(_renderer.convert(text)).translate(_FROM_PRIVATE)


@lru_cache(maxsize=16384)
def _render(text: str) -> str:
    if is_plain(text):  # most short fields: what markdown_to_html gives, several times faster
        return f"<p>{text.translate(_ESCAPE_PLAIN)}</p>"
    return markdown_to_html(text)


def render_block(text: str | None) -> Markup:
    """Prose as a self-contained HTML block (blank lines around it keep MkDocs from touching it)."""
    if not text:
        return Markup("")
    return Markup(f'\n<div class="hb-prose">\n{_render(text)}\n</div>\n')


def render_inline(text: str | None) -> Markup:
    """Short text for a table cell or list item: one line, no surrounding paragraph."""
    if not text:
        return Markup("")
    html = _render(text).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(" ".join(html.split("\n")))
