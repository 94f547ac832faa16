"""The project's folders as the tool may read or write them: never through a symbolic link.

A pull request can commit a link in place of a folder (`handbook/`, `templates/`, `docs/`, the
theme's `custom_dir`, the Zensical stage) or inside one. Followed, it would make the tool read
files from anywhere on the machine that runs CI (and publish them), or write and delete there.
Paths are compared as written, never resolved: resolving is what follows the link.
"""

from __future__ import annotations

import os
from pathlib import Path

from .diagnostics import Diagnostic


def _display(path: Path, project_dir: Path) -> str:
    try:
        return Path(os.path.relpath(path, project_dir)).as_posix()
    except ValueError:
        return path.as_posix()


def link_on_the_way(path: Path, project_dir: Path) -> str | None:
    """Why the project folder `path` may not be used: it, or a folder between the project and it,
    is a symbolic link. None when it is safe (or missing)."""
    path, project_dir = Path(os.path.abspath(path)), Path(os.path.abspath(project_dir))
    try:
        parts = path.relative_to(project_dir).parts
    except ValueError:  # a folder mkdocs.yml places elsewhere on purpose: only the folder itself
        return "is a symbolic link" if path.is_symlink() else None
    here = project_dir
    for part in parts:
        here = here / part
        if here.is_symlink():
            return "is a symbolic link" if here == path else f"is inside {_display(here, project_dir)}, a symbolic link"
    return None


def links_inside(folder: Path, *, leaving_only: bool) -> list[Path]:
    """The symbolic links under `folder` (only those whose target is outside it, with
    `leaving_only`), found without following any."""
    if not folder.is_dir() or folder.is_symlink():
        return []
    root = os.path.realpath(folder)
    found: list[Path] = []
    for here, dirnames, filenames in os.walk(folder, followlinks=False):
        for name in [*dirnames, *filenames]:
            path = os.path.join(here, name)
            if not os.path.islink(path):
                continue
            if not leaving_only or os.path.commonpath([os.path.realpath(path), root]) != root:
                found.append(Path(path))
    return sorted(found)


def folder_problems(folder: Path, project_dir: Path, what: str, *, links: str) -> list[Diagnostic]:
    """A project folder the tool reads: refused (error[not-a-regular-file], at the folder or at each
    link) when it is a link or lies under one; and the links it holds: `links` is "all" (each is
    refused), "leaving" (those to outside it) or "none" (another check reports them)."""
    where = _display(folder, project_dir)
    why = link_on_the_way(folder, project_dir)
    if why is not None:
        return [Diagnostic(where, 0, 0, "error", "not-a-regular-file", f"the {what} folder {why}; it is not read",
                           f"make {where} a real folder inside the project")]
    if links == "none":
        return []
    leaving_only = links == "leaving"
    return [Diagnostic(_display(link, project_dir), 0, 0, "error", "not-a-regular-file",
                       f"a symbolic link{' out of' if leaving_only else ' in'} the {what} folder; it is not read",
                       "replace the link with the file or folder itself")
            for link in links_inside(folder, leaving_only=leaving_only)]


def site_dir_problem(site_dir: Path, sources: dict[str, Path], project_dir: Path) -> str | None:
    """Why the build may not write into `site_dir`, which it empties first: it is a link or lies
    under one, or it holds or lies inside a source folder (`sources`: what -> folder), as `site_dir:
    .` holds handbook/ and .git. None when it is safe."""
    where = _display(Path(site_dir), project_dir)
    why = link_on_the_way(Path(site_dir), project_dir)
    if why is not None:
        return f"site_dir {where} {why}; the build writes and deletes files there"
    site = Path(os.path.realpath(site_dir))
    for what, source in sources.items():
        real = Path(os.path.realpath(source))
        shown = _display(Path(source), project_dir)
        if site == real or site in real.parents:
            return f"site_dir {where} holds the {what} folder {shown}, which the build would delete"
        if real in site.parents:
            return f"site_dir {where} is inside the {what} folder {shown}"
    return None
