"""Adapter: what keeps a build from damaging the site, and a stopped preview from leaving litter.

* Page collisions: a page in docs_dir at the place of a generated page. Found in `on_config` by
  walking docs_dir the way MkDocs does (its exclusion rules included), before MkDocs cleans
  `site_dir`, so that the build fails with the previous site untouched.
* SIGTERM under `mkdocs serve`: turned into the KeyboardInterrupt MkDocs' serve handles as
  Ctrl-C, so that it stops the server, runs `on_shutdown` and removes its temporary folders.
"""

from __future__ import annotations

import os
import signal
import stat
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from mkdocs.structure.files import File, InclusionLevel

from ...folders import folder_problems
from .internals import custom_dir, set_exclusions


@dataclass(frozen=True)
class Problem:
    """A problem outside the handbook's files, shown like a diagnostic (it has no code of its own)."""
    path: str
    message: str
    hint: str | None = None
    severity: str = "error"
    code: str | None = None

    @property
    def location(self) -> str:
        return self.path

    def format_text(self) -> str:
        return f"{self.path}: {self.severity}: {self.message}" + (f"\n  = hint: {self.hint}" if self.hint else "")


def docs_files(config) -> list[File]:
    """The files of docs_dir that MkDocs will put into the site: `get_files` without its logging
    (dot-files, `/templates/` and `exclude_docs` left out; drafts count, `serve` shows them)."""
    docs_dir = config.docs_dir
    files = []
    for folder, dirnames, filenames in os.walk(docs_dir, followlinks=True):
        dirnames.sort()
        relative = os.path.relpath(folder, docs_dir)
        for name in sorted(filenames):
            files.append(File(os.path.normpath(os.path.join(relative, name)), docs_dir, config.site_dir,
                              config.use_directory_urls))
    set_exclusions(files, config)
    return [f for f in files if f.inclusion != InclusionLevel.EXCLUDED]


@lru_cache(maxsize=65536)  # serve asks again after every edit, for the same pages
def dest_uri(src_uri: str, use_directory_urls: bool) -> str:
    """Where MkDocs writes the file that pretends to be `src_uri` under docs_dir."""
    return File(src_uri, None, "", use_directory_urls).dest_uri


def find_collisions(config, generated: Iterable[tuple[str, str | None]], project_dir: Path) -> list[Problem]:
    """Files in docs_dir that would take the place (the same source path or the same output file)
    of a generated one. `generated`: (src_uri, source YAML file or None) of every generated file."""
    by_src, by_dest = {}, {}
    for uri, source in generated:
        by_src[uri] = by_dest[dest_uri(uri, config.use_directory_urls)] = (uri, source)
    problems = []
    for file in docs_files(config):
        clash = by_src.get(file.src_uri) or by_dest.get(file.dest_uri)
        if clash is None:
            continue
        uri, source = clash
        where = _display_path(Path(file.abs_src_path), project_dir)
        origin = f" (from {source})" if source else ""
        problems.append(Problem(where, f"collides with the generated page {uri}{origin}",
                                "rename or remove it: generated pages are made from the handbook's YAML files"))
    return problems


def unsafe_docs(config, project_dir: Path) -> list[Problem]:
    """Files in docs_dir that MkDocs would read from outside it (a symbolic link to a secret, which
    it would publish) or that are not regular files (a FIFO would hang the build)."""
    problems: list = folder_problems(Path(config.docs_dir), project_dir, "docs", links="none")
    theme_dir = custom_dir(config)
    if theme_dir:
        problems += folder_problems(Path(theme_dir), project_dir, "theme custom_dir", links="leaving")
    if problems:  # docs_dir a link: every file would seem inside it
        return problems
    docs_dir = os.path.realpath(config.docs_dir)
    for file in docs_files(config):
        real = os.path.realpath(file.abs_src_path)
        where = _display_path(Path(file.abs_src_path), project_dir, resolve=False)
        if os.path.commonpath([real, docs_dir]) != docs_dir:
            problems.append(Problem(where, "is a symbolic link to a file outside docs_dir; it is not published",
                                    "replace the link with the file itself"))
        elif not stat.S_ISREG(os.stat(real).st_mode):
            problems.append(Problem(where, "is not a regular file (a FIFO, device or socket)", "remove it"))
    return problems


def _display_path(path: Path, project_dir: Path, resolve: bool = True) -> str:
    try:
        return (path.resolve() if resolve else Path(os.path.abspath(path))).relative_to(project_dir).as_posix()
    except ValueError:
        return path.as_posix()


def remove_output(site_dir: str | Path, dest_uri: str) -> None:
    """Remove one file this session wrote into site_dir, and the folders that leaves empty."""
    root = Path(site_dir).resolve()
    path = root / dest_uri
    if not path.resolve().is_relative_to(root):
        return
    try:
        path.unlink()
    except FileNotFoundError:
        pass  # gone already; its folders may still be empty
    except OSError:
        return
    for parent in path.parents:
        if parent == root or not parent.is_relative_to(root):
            break
        try:
            parent.rmdir()  # only if empty
        except OSError:
            break


def stop_on_sigterm() -> Callable[[], None]:
    """Make SIGTERM stop `mkdocs serve` the way Ctrl-C does. Only from the main thread, and only if
    nobody else handles SIGTERM. Returns a function that puts the previous handling back."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return lambda: None

    def interrupt(signum, frame) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the process at once
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)

    def restore() -> None:
        if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is interrupt:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
    return restore
