"""Adapter: the Zensical engine (`handbook build|serve --engine zensical`).

Zensical reads mkdocs.yml but has no plugin API and ignores plugins it does not know; its advice
for generated pages is to generate them before the build. So the handbook is rendered into a
staging folder, `.handbook/stage/` beside mkdocs.yml (never inside docs/, handbook/ or
templates/), holding exactly what `handbook export` writes (export.stage: one site plan for
every engine), and Zensical builds or serves that folder.

* build: render, sync the stage, `zensical build`, then copy its output into the project's
  site_dir (Zensical refuses a site_dir outside the folder of its config file). A failed render or
  build leaves the stage and site_dir as they were.
* serve: `zensical serve` of the stage, and a watcher on handbook/, templates/, docs/ and
  mkdocs.yml: after an edit only the pages it can change are rendered again, and only the files
  whose bytes changed are written into the stage, so Zensical rebuilds and live-reloads just
  those. A failed render prints the diagnostics of `handbook check` and keeps the last good stage.
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..diagnostics import errors
from ..folders import link_on_the_way, links_inside
from .export import CONFIG, ExportRefused, Project, Session, Tree, report, stage, sync
from .watching import is_edit

STAGE = Path(".handbook") / "stage"  # under the project: Zensical wants site_dir and docs_dir beside its config
SITE = "site"  # Zensical's output inside the stage
DEBOUNCE_S = 0.05  # an editor's save is often several events; render once for all of them


class EngineError(Exception):
    """Zensical is missing, or refused or failed the build."""


def command() -> list[str]:
    return [sys.executable, "-m", "zensical"]


def version() -> str | None:
    try:
        from importlib.metadata import version as installed
        return installed("zensical")
    except Exception:
        return None


def require() -> None:
    if version() is None:
        raise EngineError("Zensical is not installed; install it with: pip install 'zensical==0.0.73'")


@dataclass
class Staged:
    tree: Tree
    changed: list[str]
    seconds: float


class Stage:
    """The staging folder of one project, and the render session that keeps it up to date."""

    def __init__(self, config_file: Path, root: Path | None = None, incremental: bool = False) -> None:
        self.config_file = config_file
        self.project = Project.read(config_file)
        given = Path(os.path.abspath(root or self.project.root / STAGE))
        # The stage is emptied and written: never through a link (.handbook or .handbook/stage
        # committed as one would point the tool's writes and deletes anywhere).
        why = link_on_the_way(given, self.project.root) if root is None else None
        if why is not None:
            raise ExportRefused(f"the staging folder {STAGE.as_posix()} {why}; remove it (the tool makes it)")
        self.root = given.resolve()
        self.project.refuse_inside_sources(self.root, "stage")
        refuse_links(self.root, f"the staging folder {STAGE.as_posix()}")
        self.session = Session() if incremental else None

    @property
    def config(self) -> Path:
        return self.root / CONFIG

    @property
    def site(self) -> Path:
        return self.root / SITE

    def render(self) -> Staged:
        """Render the handbook; when it is good, make the stage equal to it (changed files only)."""
        started = time.perf_counter()
        tree = stage(self.config_file, session=self.session)
        changed = sync(tree, self.root) if tree.ok else []
        return Staged(tree, changed, time.perf_counter() - started)


def _warn_count(tree: Tree) -> str:
    warnings = [d for d in tree.diagnostics if d.severity == "warning"]
    return f"; {len(warnings)} handbook warnings, run `handbook check` to see them" if warnings else ""


def build(config_file: Path, site_dir: Path | None = None, *, clean: bool = False, strict: bool = False,
          echo: Callable[[str], None] = print) -> int:
    """`handbook build --engine zensical`. Returns the exit code: 0 built, 1 problems (nothing changed)."""
    require()
    staged = Stage(config_file)
    project = staged.project
    site_dir = Path(os.path.abspath(site_dir or project.site_dir))
    project.refuse_site_dir(site_dir)
    refuse_links(site_dir, f"the site folder {_shown(site_dir)}")
    site_dir = site_dir.resolve()
    result = staged.render()
    if not result.tree.ok:
        echo(report(result.tree.diagnostics))
        echo(f"{len(errors(result.tree.diagnostics))} errors: the site was not built; {site_dir} is unchanged")
        return 1
    echo(f"rendered {result.tree.pages} pages into {_shown(staged.root)} in {result.seconds:.2f} s "
         f"({len(result.changed)} files changed){_warn_count(result.tree)}")
    args = [*command(), "build", "-f", str(staged.config)] + (["--clean"] if clean else []) + (["--strict"] if strict else [])
    done = subprocess.run(args, cwd=staged.root, capture_output=True, text=True)
    output = (done.stdout + done.stderr).strip()
    if output:
        echo(output)
    if done.returncode != 0 or not (staged.site / "index.html").is_file():
        echo(f"error: zensical build failed (exit {done.returncode}); {site_dir} is unchanged")
        return 1
    copied = mirror(staged.site, site_dir)
    echo(f"site written to {_shown(site_dir)} ({copied} files changed)")
    return 0


def refuse_links(folder: Path, what: str) -> None:
    """A folder the tool writes and deletes in holds no link it could write or delete through."""
    found = links_inside(folder, leaving_only=False)
    if found:
        raise ExportRefused(f"{what} holds a symbolic link ({_shown(found[0]).rstrip('/')}); remove it, nothing "
                            "is written or deleted through a link")


def mirror(source: Path, target: Path) -> int:
    """Make `target` a copy of `source`: changed files copied, files `source` lacks removed."""
    refuse_links(target, f"the site folder {_shown(target)}")
    target.mkdir(parents=True, exist_ok=True)
    wanted = set()
    changed = 0
    for folder, _, names in os.walk(source):
        for name in names:
            src = Path(folder, name)
            rel = src.relative_to(source)
            wanted.add(rel.as_posix())
            dst = target / rel
            data = src.read_bytes()
            if dst.is_file() and not dst.is_symlink() and dst.stat().st_size == len(data) and dst.read_bytes() == data:
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            if dst.is_symlink() or dst.is_dir():
                shutil.rmtree(dst) if dst.is_dir() and not dst.is_symlink() else dst.unlink()
            dst.write_bytes(data)
            changed += 1
    for folder, dirnames, names in os.walk(target, topdown=False):
        for name in names:
            path = Path(folder, name)
            if path.relative_to(target).as_posix() not in wanted:
                path.unlink()
                changed += 1
        for name in dirnames:
            try:
                Path(folder, name).rmdir()
            except OSError:
                pass
    return changed


def _shown(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix() + "/"
    except ValueError:
        return str(path)


# --- serve ----------------------------------------------------------------------------------------------

class Watcher:
    """File events under the folders an edit can come from (handbook/, templates/, docs/) and for
    mkdocs.yml itself, delivered as one wake-up per burst."""

    def __init__(self, project: Project) -> None:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        self.events: queue.Queue[str] = queue.Queue()
        config = str(project.config_file.resolve())
        handler = FileSystemEventHandler()

        def seen(event) -> None:
            paths = [getattr(event, "src_path", ""), getattr(event, "dest_path", "")]
            if not is_edit(event):  # reading files (every render does) is not an edit
                return
            self.events.put(paths[0] or paths[1])

        handler.on_any_event = seen
        root_handler = FileSystemEventHandler()
        root_handler.on_any_event = lambda e: (str(getattr(e, "src_path", "")) == config
                                               or str(getattr(e, "dest_path", "")) == config) and seen(e)
        self.observer = Observer()
        for folder in project.sources:
            if folder.is_dir():
                self.observer.schedule(handler, str(folder), recursive=True)
        self.observer.schedule(root_handler, str(project.root), recursive=False)
        self.observer.daemon = True
        self.observer.start()

    def wait(self, timeout: float) -> bool:
        """True once something changed (and the burst it belongs to is over)."""
        try:
            self.events.get(timeout=timeout)
        except queue.Empty:
            return False
        time.sleep(DEBOUNCE_S)
        while not self.events.empty():
            self.events.get_nowait()
        return True

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join(timeout=5)


def serve(config_file: Path, dev_addr: str = "127.0.0.1:8000", *, echo: Callable[[str], None] = print,
          stop: threading.Event | None = None) -> int:
    """`handbook serve --engine zensical`: serve the stage and keep it equal to the handbook."""
    require()
    from .mkdocs.guard import stop_on_sigterm

    staged = Stage(config_file, incremental=True)
    first = staged.render()
    if not first.tree.ok:
        echo(report(first.tree.diagnostics))
        if not staged.config.is_file():
            echo("the handbook has errors and there is no earlier render to serve; fix them and start again")
            return 1
        echo("serving the last good render until they are fixed")
    else:
        echo(f"rendered {first.tree.pages} pages into {_shown(staged.root)} in {first.seconds:.2f} s{_warn_count(first.tree)}")
    restore_sigterm = stop_on_sigterm()  # `kill` stops the server like Ctrl-C
    watcher = Watcher(staged.project)
    server = subprocess.Popen([*command(), "serve", "-f", str(staged.config), "-a", dev_addr],
                              cwd=staged.root, start_new_session=True)
    echo(f"zensical serves {_shown(staged.root)} at http://{dev_addr}/; watching "
         + ", ".join(f"{p.name}/" for p in staged.project.sources if p.is_dir()) + " and mkdocs.yml")
    failing = not first.tree.ok
    shown = ""  # the last problems printed: a save is often two bursts of events; say it once
    try:
        while server.poll() is None and not (stop and stop.is_set()):
            if not watcher.wait(0.25):
                continue
            result = staged.render()
            if not result.tree.ok:
                problems = report(result.tree.diagnostics)
                if problems != shown:
                    echo(problems)
                    echo(f"{len(errors(result.tree.diagnostics))} errors: the preview keeps the last good render")
                failing, shown = True, problems
                continue
            shown = ""
            if result.changed or failing:
                echo(f"re-rendered in {result.seconds:.2f} s: {len(result.changed)} files changed"
                     + (" (problems fixed)" if failing else ""))
            failing = False
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
        _stop(server)
        restore_sigterm()
    return 0 if server.returncode in (0, None, -2, -15) else 1


def _stop(process: subprocess.Popen) -> None:
    """End the Zensical server and everything it started (its own process group)."""
    if process.poll() is not None:
        return
    import signal
    # Zensical 0.0.73 ignores SIGINT from outside a terminal; SIGTERM ends it in about 1.5 s.
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
