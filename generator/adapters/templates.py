"""Adapter: `handbook templates`, the packaged templates and starting a project's own from one."""

from __future__ import annotations

import difflib

from ..model.declare import default_model
from ..render.templates import PACKAGED_PREFIX, block_source, packaged_list, version_header
from ..packaged import packaged_templates
from ..site import PAGES

GENERIC = {"entity.md.j2": "page of an entity of a kind of your own", "index.md.j2": "index of a kind of your own",
           "_macros.md.j2": "shared pieces every page imports"}


class TemplateCopyError(Exception):
    pass


def role(name: str) -> str:
    """What a packaged template renders, in words."""
    for page in PAGES:
        if page.template == name:
            return f"the {page.title} page"
    for kind in default_model().kinds.values():
        if kind.page_template == name:
            return f"page of each {kind.singular}"
        if kind.index_template == name:
            return f"the {kind.title} index"
    return GENERIC.get(name, "")


def override_text(name: str, blocks: list[str]) -> str:
    """A full copy of the packaged template `name`, or, with `blocks`, a template extending it that
    overrides those blocks, each starting as the packaged block's text (`{{ super() }}` would keep it)."""
    known = {t.name: t for t in packaged_list()}
    if name.startswith(PACKAGED_PREFIX + "/"):
        name = name[len(PACKAGED_PREFIX) + 1:]
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1)
        raise TemplateCopyError(f"no packaged template '{name}'" + (f" (did you mean '{close[0]}'?)" if close else "")
                                + "; `handbook templates` lists them")
    if not blocks:
        return version_header() + (packaged_templates() / name).read_text(encoding="utf-8")
    offered = known[name].blocks
    missing = [b for b in blocks if b not in offered]
    if missing:
        raise TemplateCopyError(f"{name} has no block {', '.join(missing)}; its blocks: "
                                f"{', '.join(offered) or 'none (copy it whole)'}")
    parts = [version_header(), f'{{% extends "{PACKAGED_PREFIX}/{name}" %}}\n',
             "{#- Only the blocks below differ from the packaged template; everything else is the package's. -#}\n"]
    for block in blocks:
        parts.append(f"{{% block {block} %}}{block_source(name, block)}{{% endblock %}}\n")
    return "".join(parts)
