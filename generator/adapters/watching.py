"""Adapters: which file events are edits, for every engine's preview.

Reading a file is not an edit: inotify also reports opening a file and closing it unwritten,
which every build does to the files it reads; taken as edits, they start the next build, forever.
"""

from __future__ import annotations

EDITS = frozenset({"created", "modified", "deleted", "moved", "closed"})


def is_edit(event) -> bool:
    """A watchdog event that changed a file (a folder's own "modified" is its listing only)."""
    return event.event_type in EDITS and not (event.is_directory and event.event_type == "modified")
