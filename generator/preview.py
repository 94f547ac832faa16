"""Adapter: fast preview under `mkdocs serve --dirty`.

MkDocs' dirty mode rebuilds a page only when its source file is newer than its output. Generated
pages are therefore backed by files in a per-session folder (outside docs_dir), rewritten only
when a page's Markdown changes. After an edit, only the pages that can show the edited entities
are rendered again (`affected_pages`); the nav, tags and page set are compared, and any change
there makes every page rebuild, so the served site stays what a full build would give.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from .model import Entity, Handbook
from .render import RenderedPage

# Pages rendered from the whole handbook, rendered again after every edit.
WHOLE_HANDBOOK = {"index.md", "map.md", "tags.md", "reviews.md", "changes.md", "interfaces/conformance.md"}


def _neighbours(entity: Entity) -> set[str]:
    urls = {r.target.url for r in entity.refs}
    urls |= {r.source.url for relations in entity.backrefs.values() for r in relations}
    return urls


def affected_pages(old: Handbook | None, new: Handbook) -> set[str] | None:
    """Entity pages that can differ between two versions of the handbook, or None for "all".

    An entity page shows the entity, its neighbours (names, and the data of the relation) and the
    set of required interfaces (team pages). With the parse cache, an unchanged file yields the
    very same data object, so `is` tells what changed."""
    if old is None or old.meta.data is not new.meta.data:
        return None
    old_keys = {(e.kind, e.id) for e in old.all()}
    if old_keys != {(e.kind, e.id) for e in new.all()}:
        return None  # added or removed entities change the nav, indexes and links: rebuild all
    pages: set[str] = set()
    for entity in new.all():
        before = old.get(entity.kind, entity.id)
        if before is not None and before.data is entity.data:
            continue
        pages |= {entity.url} | _neighbours(entity) | (_neighbours(before) if before else set())
    if [i.id for i in old.required_interfaces] != [i.id for i in new.required_interfaces]:
        pages |= {t.url for t in new.of("teams")}
    return {p for p in pages if not p.startswith("index.md")}


def nav_signature(nav: list, pages: list[RenderedPage]) -> str:
    """What every page's nav and tag links depend on: the nav, the page set, titles and tags."""
    facts = [nav, sorted((p.src_uri, p.entity.name if p.entity else "",
                          sorted(p.entity.tags) if p.entity else []) for p in pages)]
    return hashlib.sha256(json.dumps(facts, default=str).encode()).hexdigest()


class PageFiles:
    """Generated pages as files whose modification time changes only with their content."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="handbook-preview-"))
        self.written: dict[str, str] = {}

    def path(self, uri: str, content: str | bytes) -> str:
        """The file holding `content` for `uri`, rewritten only if the content changed."""
        digest = hashlib.sha1(content.encode() if isinstance(content, str) else content).hexdigest()
        path = self.root / uri
        if self.written.get(uri) != digest:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode() if isinstance(content, str) else content)
            self.written[uri] = digest
        return str(path)

    def touch_all(self) -> None:
        """Make every page rebuild (the nav or the tags changed)."""
        for uri in self.written:
            self.touch(uri)

    def touch(self, uri: str) -> None:
        """Make one page rebuild."""
        if uri in self.written:
            now = time.time()
            os.utime(self.root / uri, (now, now))

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def forget_rebuilt_pages(previous_index, rebuilt: set[str]) -> list:
    """Material's search, under dirty reload, merges the previous index with this build's entries
    but drops the previous entries of the first rebuilt page only. Drop those of every rebuilt
    page first, so that its merge gives the index a full build would. Returns what is kept."""
    if previous_index is None or not rebuilt:
        return []
    previous_index.entries = [e for e in previous_index.entries if e["location"].split("#", 1)[0] not in rebuilt]
    return previous_index.entries


def watch_natively(server, path: Path):
    """Tell MkDocs' live-reload server about edits under `path` as soon as the OS reports them
    (inotify on Linux) instead of through its 0.5 s polling observer: the same callback as
    `LiveReloadServer.watch`, with an event-driven observer."""
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    def changed(event) -> None:
        if event.is_directory:
            return
        with server._rebuild_cond:
            server._want_rebuild = True
            server._rebuild_cond.notify_all()

    handler = FileSystemEventHandler()
    handler.on_any_event = changed
    observer = Observer()
    observer.schedule(handler, str(path), recursive=True)
    observer.daemon = True
    observer.start()
    return observer
