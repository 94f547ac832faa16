"""Model: links to entities written inside prose, `[[teams/checkout]]` or `[[teams/checkout|the
checkout team]]`. They are checked like reference fields (an unknown id is an error with a
suggestion), become relations (the target page lists where it is mentioned) and are rendered as
links to the page (render/pages.py).

The part before the first `/` names the kind by its folder; a short name stands for the full id
while it is unique, as in reference fields. Without a kind (`[[checkout]]`) the id must belong to
exactly one entity of any kind.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from ..diagnostics import SHOWN_PER_CODE, Diagnostic, excerpt
from .declare import Kind, Model, Spec
from .located import did_you_mean
from .validate import Unread, broken_reference

MENTION = re.compile(r"\[\[([^\[\]|\n]{1,200}?)(?:\|([^\[\]\n]{1,200}?))?\]\]")


def prose(kind: Kind, data: Any) -> Iterator[tuple[str, tuple, str]]:
    """(top-level field, path, text) of every Markdown value of an entity, at any depth."""
    for spec in kind.prose_fields:
        value = getattr(data, spec.name, None)
        for loc, text in _walk(spec, value, (spec.name,)):
            yield spec.name, loc, text


def _walk(spec: Spec, value: Any, loc: tuple) -> Iterator[tuple[tuple, str]]:
    if value is None:
        return
    if spec.type == "markdown" and isinstance(value, str):
        yield loc, value
    elif spec.type == "list" and spec.of is not None and isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _walk(spec.of, item, loc + (i,))
    elif spec.type == "map" and spec.value is not None and isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(spec.value, item, loc + (key,))
    elif spec.type == "object":
        for inner in spec.fields:
            yield from _walk(inner, getattr(value, inner.name, None), loc + (inner.name,))


# At most this many `[[…]]` links in one file: beyond it, an error (too-many-links) and the rest
# are neither resolved nor rendered as links, so a flood of links costs a bounded time per file.
MAX_LINKS_PER_FILE = 1000
# Of the links that name nothing, this many per file are explained and one line counts the rest
# (as diagnostics.first_of_each does for every code).
SHOWN_PER_FILE = SHOWN_PER_CODE - 1

ShortNames = dict[str, dict[str, list]]  # kind -> last segment of an id -> its entities


def short_names(index: dict[str, dict[str, Any]]) -> ShortNames:
    """The index of short names (`incident-review` for `engineering/incident-review`), built once
    per handbook so that each link is looked up, not searched for."""
    short: ShortNames = {}
    for kind, entities in index.items():
        by_name = short.setdefault(kind, {})
        for entity_id, entity in entities.items():
            by_name.setdefault(entity_id.rsplit("/", 1)[-1], []).append(entity)
    return short


def resolve(token: str, index: dict[str, dict[str, Any]], model: Model,
            short: ShortNames | None = None) -> tuple[Any, list[str], str]:
    """The entity `[[token]]` names, or (None, candidates, the kind it was looked for in)."""
    token = token.strip()
    head, sep, rest = token.partition("/")
    if sep and head in model.kinds:
        kinds, name = [head], rest
    else:
        kinds, name = list(model.kinds), token
    found = [index[k][name] for k in kinds if name in index.get(k, {})]
    if not found:
        short = short_names(index) if short is None else short
        found = [e for k in kinds for e in short.get(k, {}).get(name, ())]
    if len(found) == 1:
        return found[0], [], kinds[0] if len(kinds) == 1 else ""
    return None, sorted(f"{e.kind}/{e.id}" for e in found), kinds[0] if len(kinds) == 1 else ""


def link_mentions(entities: list, index: dict[str, dict[str, Any]], model: Model, relation,
                  unread: Unread | None = None) -> list[Diagnostic]:
    """Resolve every `[[…]]` in the prose of `entities` into a relation (`relation(source, field,
    target, loc)`), reporting those that name nothing or more than one entity."""
    diags: list[Diagnostic] = []
    short = short_names(index)
    for entity in entities:
        if entity.doc is not None and entity.doc.text is not None and "[[" not in entity.doc.text:
            continue  # no link in the file's text: none in its prose (most files, at 10,000 of them)
        kind = model.kinds.get(entity.kind) or model.meta
        links = broken = 0
        for field, loc, text in prose(kind, entity.data):
            if "[[" not in text or links > MAX_LINKS_PER_FILE:
                continue
            read = entity.doc.value(entity.loc + loc) if entity.doc is not None else None
            raw = read if isinstance(read, str) else text  # as the file has it: positions inside it
            for match in MENTION.finditer(raw):
                links += 1
                if links > MAX_LINKS_PER_FILE:
                    line, col = entity.text_position(loc, raw, match.start())
                    diags.append(Diagnostic(entity.path, line, col, "error", "too-many-links",
                                            f"more than {MAX_LINKS_PER_FILE} [[…]] links in one file; the rest "
                                            "are not read", "split the text over several entities, or link less"))
                    break
                target, candidates, in_kind = resolve(match.group(1), index, model, short)
                if target is not None:
                    relation(entity, field, target, loc)
                    continue
                token = match.group(1)
                broken += 1
                if broken > SHOWN_PER_FILE:  # explaining one (suggestions, position) costs more than finding it
                    continue
                line, col = entity.text_position(loc, raw, match.start())
                unread = unread or Unread.empty()
                name = token.strip().partition("/")[2] if in_kind else token.strip()
                where = unread.where([in_kind] if in_kind else list(model.kinds), name)
                if where is not None and not candidates:
                    diags.append(broken_reference(entity.path, (line, col), f"[[{excerpt(token)}]]", where))
                    continue
                diags.append(_problem(entity.path, line, col, token, candidates, in_kind, index, model, unread))
        if broken > SHOWN_PER_FILE:
            diags.append(Diagnostic(entity.path, 0, 0, "error", "unknown-reference",
                                    f"{broken - SHOWN_PER_FILE} more [[…]] links in this file name no entity",
                                    "fix the ones shown, then run the check again"))
    return diags


def _problem(path: str, line: int, col: int, token: str, candidates: list[str], in_kind: str,
             index: dict[str, dict[str, Any]], model: Model, unread: Unread) -> Diagnostic:
    shown = f"[[{excerpt(token)}]]"
    if candidates:
        return Diagnostic(path, line, col, "error", "unknown-reference",
                          f"{shown} could be any of: {', '.join(candidates[:8])}",
                          f"write the kind and the full id, e.g. [[{candidates[0]}]]")
    name = token.strip().partition("/")[2] if in_kind else token.strip()
    if in_kind:
        known = index.get(in_kind, {})
        word = model.kinds[in_kind].singular
        return Diagnostic(path, line, col, "error", "unknown-reference",
                          f"unknown {word} '{excerpt(name)}' in {shown}{did_you_mean(name, known)}",
                          f"known {in_kind}: {', '.join(sorted(known)[:12]) or 'none'}"
                          f"{unread.not_counted(in_kind)}; a link is "
                          f"[[{in_kind}/<id>]] or [[{in_kind}/<id>|words to show]]")
    every = {f"{k}/{i}": None for k in model.kinds for i in index.get(k, {})}
    head = token.strip().partition("/")[0]
    kind_hint = did_you_mean(head, model.kinds, 0.6) if "/" in token else ""
    return Diagnostic(path, line, col, "error", "unknown-reference",
                      f"{shown} names no entity{kind_hint or did_you_mean(token.strip(), every)}",
                      "a link is [[<kind folder>/<id>]], e.g. [[teams/checkout]]; kinds: "
                      + ", ".join(model.kinds))
