"""Adapter: every private MkDocs or Material attribute the plugin relies on, in one place, behind a
version check that fails loudly.

MkDocs 1.6 and Material 9 offer no public way to wake the live-reload server, to see the search
index of the previous dirty build or to feed tags of pages a dirty build skipped. The preview
(preview.py) and the collision check (guard.py) reach for these here only; a version outside the
tested range stops the build with a clear message instead of publishing a subtly wrong site.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib.metadata import PackageNotFoundError, version

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import set_exclusions  # not in MkDocs' documented API

__all__ = ["check_versions", "custom_dir", "can_request_rebuild", "request_rebuild", "search_plugin",
           "previous_search_index",
           "tags_plugin", "add_tags", "set_exclusions"]

# Package -> (lowest tested, first untested) release.
TESTED = {"mkdocs": ((1, 6), (1, 7)), "mkdocs-material": ((9, 7), (10, 0))}


def _release(text: str) -> tuple[int, ...]:
    parts = []
    for part in text.split(".")[:2]:
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


@cache  # once per process: `mkdocs serve` calls it on every rebuild
def check_versions() -> None:
    """Refuse to run on an MkDocs or Material release these internals were not tested with."""
    for package, (low, high) in TESTED.items():
        try:
            found = version(package)
        except PackageNotFoundError:
            continue  # Material absent: its parts are simply not used
        if not low <= _release(found) < high:
            raise PluginError(
                f"the handbook plugin relies on internals of {package} {'.'.join(map(str, low))} up to "
                f"before {'.'.join(map(str, high))}, and {package} {found} is installed; install a tested "
                f"release (see pyproject.toml), or build with `handbook export` and another engine")


# --- mkdocs serve's live-reload server ------------------------------------------------------------

class _NotDirtyWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("A 'dirty' build is being performed")


def quiet_dirty_warning() -> None:
    """Drop MkDocs' warning that a dirty build gives inaccurate navigation and links: with the
    plugin's preview it does not (preview.py), and a warning on every start teaches people to
    ignore warnings. The filter matches MkDocs 1.6's wording; another wording is simply shown."""
    logger = logging.getLogger("mkdocs.commands.build")
    if not any(isinstance(f, _NotDirtyWarning) for f in logger.filters):
        logger.addFilter(_NotDirtyWarning())


def can_request_rebuild(server) -> bool:
    return hasattr(server, "_rebuild_cond") and hasattr(server, "_want_rebuild")


def request_rebuild(server) -> None:
    """What `LiveReloadServer.watch`'s own callback does when a watched file changes."""
    with server._rebuild_cond:
        server._want_rebuild = True
        server._rebuild_cond.notify_all()


# --- Material's search and tags plugins -----------------------------------------------------------

def search_plugin(config):
    """Material's search plugin, whose index the preview keeps equal to a full build's."""
    search = config.plugins.get("material/search") or config.plugins.get("search")
    return search if hasattr(search, "search_index") else None


def previous_search_index(search):
    """The index of the previous dirty build, which Material merges with this build's entries."""
    previous = getattr(search, "search_index_prev", None) if search is not None else None
    return previous if previous is not None and isinstance(getattr(previous, "entries", None), list) else None


def tags_plugin(config):
    tags = config.plugins.get("material/tags")
    return tags if tags is not None and tags.config.enabled else None


def add_tags(tags, file, page) -> None:
    """Tell Material's tags plugin the tags of a page this build did not process."""
    if tags.filter(file):
        tags.mappings.add(page, page.markdown)


def custom_dir(config) -> str | None:
    """The theme's `custom_dir` as mkdocs.yml gives it (Theme keeps it in a private attribute)."""
    return getattr(config.theme, "_custom_dir", None)

