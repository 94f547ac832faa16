"""Finished HTML held out of MkDocs' Markdown pass.

Some blocks of a generated page are HTML already: sanitised prose and SVG drawings. Inside the
Markdown, Python-Markdown would parse every tag of them again (the diagrams alone were a quarter
of the build time) only to leave them unchanged. So the Markdown given to MkDocs holds an empty
placeholder element instead, named by a hash of the block, and the plugin writes the block back
into the page's HTML after the Markdown pass. Blocks the search index skips anyway (their outer
tag has `data-search-exclude`, like the drawings) go back after indexing, so the search plugin
does not parse them either. Placeholders are elements, not comments, because plugins that
minify HTML drop comments. `standalone` writes every block back into the Markdown, for export
and other tools.
"""

from __future__ import annotations

import hashlib
import re

from markupsafe import Markup

# Back after the Markdown pass (searchable), or after search indexing (unsearched).
SEARCHABLE, UNSEARCHED = "s", "u"


def _placeholders(stages: str) -> re.Pattern:
    # Lenient about quotes and extra attributes: a minifier may have rewritten the element.
    return re.compile(rf'<div\s+data-hb-held="?([{stages}]-[0-9a-f]{{20}})"?[^>]*>\s*</div>')


_PLACEHOLDERS = {stage: _placeholders(stage) for stage in (SEARCHABLE, UNSEARCHED)}
_ANY = _placeholders(SEARCHABLE + UNSEARCHED)


def hold(held: dict[str, str], html: str) -> Markup:
    """Keep `html` (a block, blank lines around it) in `held` and return its placeholder. Equal
    blocks share one placeholder; a changed block gets a new one, so the Markdown changes with it."""
    html = str(html)  # not Markup: its replace() would escape the placeholder
    block = html.strip("\n")
    if not block:
        return Markup(html)
    before, _, after = html.partition(block)
    if "data-hb-held" in block:  # blocks held inside this one go back in with it (see `in_use`)
        block = standalone(block, held)
    stage = UNSEARCHED if "data-search-exclude" in block[:block.find(">")] else SEARCHABLE
    key = f"{stage}-{hashlib.blake2b(block.encode(), digest_size=10).hexdigest()}"
    held[key] = block
    return Markup(f'{before}<div data-hb-held="{key}"></div>{after}')


def in_use(held: dict[str, str], markdown: str) -> dict[str, str]:
    """The blocks `markdown` still refers to: not those written back into an enclosing block,
    which would otherwise be kept twice (a diagram inside the Connections section)."""
    return {key: block for key, block in held.items() if key in markdown}


def restore(html: str, held: dict[str, str], stage: str) -> str:
    """`html` with the placeholders of one stage replaced by their blocks."""
    if "data-hb-held" not in html:
        return html
    return _PLACEHOLDERS[stage].sub(lambda m: held.get(m.group(1), m.group(0)), html)


def standalone(markdown: str, held: dict[str, str]) -> str:
    """Markdown with every held block written back in place."""
    if not held:
        return markdown
    return _ANY.sub(lambda m: held[m.group(1)], markdown)
