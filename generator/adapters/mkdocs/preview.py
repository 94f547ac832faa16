"""Adapter: fast preview under `mkdocs serve --dirty`.

MkDocs' dirty mode rebuilds a page only when its source file is newer than its output. Generated
pages are therefore backed by files in a per-session folder (outside docs_dir), rewritten only
when a page's Markdown changes. After an edit, only the pages that can show the edited entities
are rendered again (`affected_pages`); the nav, tags and page set are compared, and any change
there makes every page rebuild, so the served site stays what a full build would give. Output
that the previous build generated and this one does not (a deleted or renamed entity's page, a
team's calendar) is removed from site_dir, and its search entries dropped.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from typing import Callable

from mkdocs.structure.files import File

from ...model import Handbook
from ...render.pages import RenderedPage
from ...site import TAGS_PAGE, affected_pages
from ..watching import is_edit
from .guard import remove_output
from .internals import add_tags, previous_search_index, request_rebuild, search_plugin, tags_plugin


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
        atexit.register(self.close)  # should the session end without on_shutdown

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

    def forget(self, uri: str) -> None:
        """A page or file the site no longer has."""
        if self.written.pop(uri, None) is not None:
            try:
                os.remove(self.root / uri)
            except OSError:
                pass

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        atexit.unregister(self.close)


def forget_pages(previous_index, pages: set[str]) -> list:
    """Material's search, under dirty reload, merges the previous index with this build's entries
    but drops the previous entries of the first rebuilt page only (and of every page whose URL
    starts with that page's). Drop those of every rebuilt or removed page first. Returns what is
    kept: with this build's entries, the index a full build would give."""
    if pages:
        previous_index.entries = [e for e in previous_index.entries if e["location"].split("#", 1)[0] not in pages]
    return previous_index.entries


QUIET = 0.15  # seconds without further events before one rebuild: a save is a burst of events


def watch_natively(server, path: Path):
    """Tell MkDocs' live-reload server about edits under `path` as soon as the OS reports them
    (inotify on Linux) instead of through its 0.5 s polling observer: the same callback as
    `LiveReloadServer.watch`, with an event-driven observer, and one rebuild per save."""
    import threading

    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    pending: list[threading.Timer] = []
    lock = threading.Lock()

    def changed(event) -> None:
        if event.is_directory or not is_edit(event):
            return
        with lock:
            for timer in pending:
                timer.cancel()
            pending[:] = [threading.Timer(QUIET, request_rebuild, (server,))]
            pending[0].daemon = True
            pending[0].start()

    handler = FileSystemEventHandler()
    handler.on_any_event = changed
    observer = Observer()
    observer.schedule(handler, str(path), recursive=True)
    observer.daemon = True
    observer.start()
    return observer


class Preview:
    """One `mkdocs serve --dirty` session: what the previous build made, and the steps (called
    from the plugin's hooks) that keep each dirty rebuild equal to a full build."""

    def __init__(self) -> None:
        self.files = PageFiles()
        self.previous: Handbook | None = None  # the handbook of the last good build
        self.templates_stamp: list | None = None
        self.signature: str | None = None
        self.rebuilt: dict[str, None] = {}  # pages this build processes, in order
        self.made: dict[str, File] = {}  # src_uri -> file this build generates
        self.outputs: dict[str, tuple[str, str | None]] = {}  # src_uri -> (dest_uri, page URL) of those files
        self.outputs_dirs: bool | None = None  # use_directory_urls when `outputs` was made
        self.removed: set[str] = set()  # URLs of the pages the previous build had and this one has not
        self.expected_entries: list | None = None
        self.watcher = None

    def reset(self) -> None:
        """After a failed build: the next one renders every page and compares nothing with before."""
        self.previous = None
        self.templates_stamp = None
        self.signature = None

    def selector(self, templates_dir: Path) -> Callable[[Handbook], set[str] | None] | None:
        """What to render after an edit: everything if the templates changed, else the pages the
        edit can affect (`affected_pages`)."""
        stamp = sorted((p.name, p.stat().st_mtime_ns) for p in templates_dir.rglob("*") if p.is_file())
        unchanged, self.templates_stamp = stamp == self.templates_stamp, stamp
        previous = self.previous
        if not unchanged or previous is None:
            return None
        return lambda handbook: affected_pages(previous, handbook)

    def merge(self, output, pages: list[RenderedPage]) -> list[RenderedPage]:
        """The site's pages: freshly rendered ones, and the previous build's for the rest."""
        self.previous = output.handbook
        if not output.partial:
            return output.pages
        fresh = {p.src_uri: p for p in output.pages}
        return [fresh.pop(p.src_uri, p) for p in pages] + list(fresh.values())

    def file(self, config, uri: str, content: str | bytes) -> File:
        file = File.generated(config, uri, abs_src_path=self.files.path(uri, content))
        self.made[uri] = file
        return file

    def remove_stale(self, files, config) -> None:
        """Remove what the previous build generated and this one does not: its output in site_dir
        (a dirty build never cleans it; the server would still serve a deleted entity's page) and
        its page file. Only this session's generated output, never a file another one claims."""
        same_urls = config.use_directory_urls == self.outputs_dirs
        previous = self.outputs
        current = {uri: previous[uri] if same_urls and uri in previous
                   else (f.dest_uri, f.url if f.is_documentation_page() else None) for uri, f in self.made.items()}
        gone = [(uri, *out) for uri, out in previous.items() if current.get(uri, (None,))[0] != out[0]]
        self.removed = set()
        if gone:
            claimed = {f.dest_uri for f in files}
            root = Path(config.site_dir).resolve()
            for uri, dest, url in gone:
                if dest in claimed:
                    continue
                remove_output(root, dest)
                if uri not in self.made:
                    self.files.forget(uri)
                if url is not None:
                    self.removed.add(url)
        self.outputs, self.outputs_dirs, self.made = current, config.use_directory_urls, {}

    def check_nav(self, nav: list, pages: list[RenderedPage], files) -> None:
        """Rebuild every page when what every page shows (nav, titles, tags) changed; otherwise
        just the tags page, whose listing is rendered only when it is rebuilt."""
        # The project's own pages count too: a changed heading there is a changed nav title.
        own_sources = sorted((f.src_uri, os.stat(f.abs_src_path).st_mtime_ns) for f in files.documentation_pages()
                             if not f.generated_by and f.abs_src_path)
        signature = nav_signature([nav, own_sources], pages)
        if self.signature is not None and signature != self.signature:
            self.files.touch_all()
            # The project's own pages are rebuilt by removing their output: their sources are the user's.
            for file in files.documentation_pages():
                if not file.generated_by and os.path.isfile(file.abs_dest_path):
                    os.remove(file.abs_dest_path)
        elif self.signature is not None:
            self.files.touch(TAGS_PAGE)
        self.signature = signature

    def start_build(self) -> None:
        self.rebuilt = {}

    def processed(self, page) -> None:
        self.rebuilt.setdefault(page.url, None)

    def read_titles(self, nav, config) -> None:
        """A dirty build reads only the pages it rebuilds; the others would show as "None" in the
        nav of those it does. Read their source (front matter, first heading) for their titles."""
        for page in nav.pages:
            if page.markdown is None:
                page.read_source(config)

    def feed_tags(self, config, files) -> None:
        """Material's tags plugin learns tags only from the pages a build processes: show it the
        tags of the pages this dirty build did not rebuild."""
        tags = tags_plugin(config)
        if tags is None:
            return
        for file in files.documentation_pages():
            page = file.page
            if page is None or page.url in self.rebuilt:
                continue
            if page.markdown is None:
                page.read_source(config)
            add_tags(tags, file, page)

    def search_before(self, config) -> None:
        """Before Material's search merges the previous index with this build's entries: what the
        merge should give, the previous entries of the pages neither rebuilt nor removed, and this
        build's entries."""
        self.expected_entries = None
        search = search_plugin(config)
        previous = previous_search_index(search)
        if previous is None:
            return
        kept = forget_pages(previous, set(self.rebuilt) | self.removed)
        self.expected_entries = kept + list(search.search_index.entries)

    def search_after(self, config) -> None:
        """Material drops the previous entries of every page whose URL starts with the first rebuilt
        page's (the home page's is "", a prefix of all). Its merge keeps a subset of the expected
        entries: when it kept fewer, write the index again with all of them."""
        search = search_plugin(config)
        expected, self.expected_entries = self.expected_entries, None
        if search is None or expected is None or len(search.search_index.entries) == len(expected):
            return
        search.search_index.entries = expected
        path = Path(config.site_dir) / "search" / "search_index.json"
        path.write_text(search.search_index.generate_search_index(None), encoding="utf-8")

    def watch(self, server, path: Path) -> None:
        self.watcher = watch_natively(server, path)

    def close(self) -> None:
        self.files.close()
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher.join(timeout=5)
