"""Finished HTML held out of MkDocs' Markdown pass.

Some blocks of a generated page are HTML already: sanitised prose and SVG drawings. Inside the
Markdown, Python-Markdown would parse every tag of them again (the diagrams alone were a quarter
of the build time) only to leave them unchanged. So the Markdown given to MkDocs holds a
placeholder comment instead, named by a hash of the block, and the plugin writes the block back
into the page's HTML after the Markdown pass. Blocks the search index skips anyway (their outer
tag has `data-search-exclude`, like the drawings) go back after indexing, so the search plugin
does not parse them either. `standalone` writes every block back into the Markdown, for export
and other tools.
"""

from __future__ import annotations

import hashlib
import re

from markupsafe import Markup

# After the Markdown pass (searchable) or after search indexing (unsearched).
SEARCHABLE, UNSEARCHED = "held", "unsearched"
_PLACEHOLDER = {
    SEARCHABLE: re.compile(r"<!--hb:held:[0-9a-f]{20}-->"),
    UNSEARCHED: re.compile(r"<!--hb:unsearched:[0-9a-f]{20}-->"),
}
_ANY = re.compile(r"<!--hb:(?:held|unsearched):[0-9a-f]{20}-->")


def hold(held: dict[str, str], html: str) -> Markup:
    """Keep `html` (a block, blank lines around it) in `held` and return its placeholder. Equal
    blocks share one placeholder; a changed block gets a new one, so the Markdown changes with it."""
    html = str(html)  # not Markup: its replace() would escape the placeholder
    block = html.strip("\n")
    if not block:
        return Markup(html)
    stage = UNSEARCHED if "data-search-exclude" in block[:block.find(">")] else SEARCHABLE
    marker = f"<!--hb:{stage}:{hashlib.blake2b(block.encode(), digest_size=10).hexdigest()}-->"
    held[marker] = block
    return Markup(html.replace(block, marker, 1))


def restore(html: str, held: dict[str, str], stage: str) -> str:
    """`html` with the placeholders of one stage replaced by their blocks."""
    if "<!--hb:" not in html:
        return html
    return _PLACEHOLDER[stage].sub(lambda m: held.get(m.group(0), m.group(0)), html)


def standalone(markdown: str, held: dict[str, str]) -> str:
    """Markdown with every held block written back in place."""
    if not held:
        return markdown
    return _ANY.sub(lambda m: held[m.group(0)], markdown)
