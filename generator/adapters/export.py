"""Adapter: the rendered handbook as an ordinary Markdown tree with a minimal mkdocs.yml, so that
engines without this plugin (Zensical, ProperDocs, plain MkDocs) can build it.

`stage()` makes the tree in memory, from the same site plan the MkDocs plugin uses (site.py):
`docs/` (the generated pages, the project's own docs pages, assets, calendar feeds, JSON API),
`overrides/partials/actions.html` (edit links that open the YAML file behind a page) and
`mkdocs.yml`. `handbook export` writes it into an empty folder (`write_new`); the Zensical engine
keeps a staging folder equal to it, writing only the files whose bytes changed (`sync`), so that
Zensical's watcher sees only real changes.
"""

from __future__ import annotations

import json
import os
import posixpath
import stat
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit, urlunsplit

import yaml
from mkdocs.utils.yaml import yaml_load

from ..diagnostics import Diagnostic, errors, format_report
from ..folders import folder_problems, links_inside, site_dir_problem
from ..model import Handbook, ParseCache
from ..model.history import head_revision, recent_commits
from ..render.feeds import FeedCache
from ..render.pages import RenderedPage
from ..site import (ASSET_DIR, ASSETS, REQUIRED_EXTENSIONS, OptionError, affected_pages, as_date, build_nav,
                    options as plugin_options, produce)
from .mkdocs.guard import Problem, dest_uri

PLUGIN = "handbook"
CONFIG = "mkdocs.yml"
DOCS = "docs"
OVERRIDES = "overrides"
MANAGED = (CONFIG, DOCS, OVERRIDES)  # what the tree owns at its top; anything else (an engine's cache, site/) is left alone
HEADER = ("# Exported by `handbook export`: the rendered handbook as plain Markdown, buildable without\n"
          "# the handbook plugin (mkdocs build, properdocs build, zensical build). Do not edit: re-export.\n")
# Material's and Zensical's edit button, taking the page's `edit_url` from its front matter: the
# exported pages are not the repository's files, so an edit_uri-based link would 404. Both themes
# render this partial (Jinja2 in Material, MiniJinja in Zensical).
ACTIONS = """{#- handbook: the edit link opens the file a page is made from (front matter edit_url) -#}
{% if page.meta and page.meta.edit_url and "content.action.edit" in features %}
  <a href="{{ page.meta.edit_url }}" title="{{ lang.t('action.edit') }}" class="md-content__button md-icon" rel="edit">
    {% set icon = config.theme.icon.edit or "material/file-edit-outline" %}
    {% include ".icons/" ~ icon ~ ".svg" %}
  </a>
{% endif %}
"""


class ExportRefused(Exception):
    """The target folder would change or pollute the project's sources."""


@dataclass
class Tree:
    """The rendered site as files (path relative to the tree's root -> bytes), or the problems
    that prevent it (files empty)."""

    files: dict[str, bytes] = field(default_factory=dict)
    pages: int = 0
    diagnostics: list = field(default_factory=list)  # Diagnostic (handbook files) or Problem (docs/)

    @property
    def ok(self) -> bool:
        return not errors(self.diagnostics)


@dataclass
class ExportResult:
    out_dir: Path
    pages: int
    diagnostics: list[Diagnostic]


@dataclass
class Project:
    """What a project's mkdocs.yml says about where things are."""

    config_file: Path
    root: Path
    config: dict
    options: dict

    @classmethod
    def read(cls, config_file: Path) -> "Project":
        with config_file.open(encoding="utf-8") as fh:
            config = yaml_load(fh) or {}
        return cls(config_file, config_file.resolve().parent, config, _plugin_options(config))

    @property
    def handbook_dir(self) -> Path:
        return self.root / self.options["handbook_dir"]

    @property
    def templates_dir(self) -> Path:
        return self.root / self.options["templates_dir"]

    @property
    def docs_dir(self) -> Path:
        return self.root / self.config.get("docs_dir", "docs")

    @property
    def site_dir(self) -> Path:
        return self.root / self.config.get("site_dir", "site")

    @property
    def sources(self) -> list[Path]:
        """The folders an export or a stage must never be written into."""
        return [self.handbook_dir, self.templates_dir, self.docs_dir]

    def source_folders(self) -> dict[str, Path]:
        """Every folder a build reads or must keep, by what it is (for the site folder's check)."""
        theme = self.config.get("theme")
        custom = theme.get("custom_dir") if isinstance(theme, dict) else None
        return {"handbook": self.handbook_dir, "templates": self.templates_dir, "docs": self.docs_dir,
                **({"theme custom_dir": self.root / custom} if isinstance(custom, str) else {}),
                "git": self.root / ".git", "staging": self.root / ".handbook"}

    def refuse_site_dir(self, site_dir: Path) -> None:
        """A site folder the build may empty and fill: never a link, a source folder or a folder
        holding one (folders.site_dir_problem)."""
        sources = {k: v for k, v in self.source_folders().items() if k != "staging"}
        problem = site_dir_problem(site_dir, sources, self.root)
        if problem is not None:
            raise ExportRefused(f"{problem}; nothing was built or deleted")

    def refuse_inside_sources(self, target: Path, label: str = "export") -> None:
        target = target.resolve()
        for source in self.sources:
            source = source.resolve()
            if target == source or source in target.parents:
                # Inside docs/ the next build would publish the export, and the export would copy itself.
                raise ExportRefused(f"{target} is inside the project's source folder {source.name}/; "
                                    f"{label} into a folder outside docs/, handbook/ and templates/")


def _plugin_options(config: dict) -> dict:
    given: dict = {}
    for entry in config.get("plugins") or []:
        if isinstance(entry, dict) and PLUGIN in entry:
            given = entry[PLUGIN] or {}
    return plugin_options(given)


def _without_plugin(plugins: list) -> list:
    return [p for p in plugins or [] if p != PLUGIN and not (isinstance(p, dict) and PLUGIN in p)]


class Session:
    """What successive stages of one `serve` keep: parsed files by modification time, feed parts,
    the git history by HEAD, and the last good render, so that an edit re-renders only the pages
    it can change (the selection the MkDocs preview uses)."""

    def __init__(self) -> None:
        self.parse_cache: ParseCache = {}
        self.feed_cache = FeedCache()
        self.previous: Handbook | None = None
        self.pages: list[RenderedPage] = []
        self.templates_stamp: list | None = None
        self.history: tuple[str | None, list | None] = ("", None)
        self.config_bytes: bytes | None = None  # mkdocs.yml as last rendered: a change there re-renders all

    def commits(self, handbook_dir: Path, limit: int) -> list | None:
        head = head_revision(handbook_dir)
        if head is None or head != self.history[0]:
            self.history = (head, recent_commits(handbook_dir, limit))
        return self.history[1]

    def selector(self, templates_dir: Path) -> Callable[[Handbook], set[str] | None] | None:
        stamp = sorted((p.as_posix(), p.stat().st_mtime_ns) for p in templates_dir.rglob("*") if p.is_file()) \
            if templates_dir.is_dir() else []
        unchanged, self.templates_stamp = stamp == self.templates_stamp, stamp
        previous = self.previous
        if not unchanged or previous is None:
            return None
        return lambda handbook: affected_pages(previous, handbook)

    def merge(self, output) -> list[RenderedPage]:
        if not output.partial:
            pages = output.pages
        else:
            fresh = {p.src_uri: p for p in output.pages}
            pages = [fresh.pop(p.src_uri, p) for p in self.pages] + list(fresh.values())
        self.previous, self.pages = output.handbook, pages
        return pages

    def reset(self) -> None:
        """After a failed render: the next one renders every page."""
        self.previous, self.templates_stamp = None, None


def _option_date(value) -> date:
    try:
        return as_date(value) or date.today()
    except OptionError as exc:
        raise ExportRefused(f"handbook plugin option {exc}") from None


def stage(config_file: Path, *, nav_threshold: int | None = None, today: date | None = None,
          session: Session | None = None) -> Tree:
    """The whole site behind `config_file`, as the files of an export, in memory."""
    project = Project.read(config_file)
    if session is not None:
        config_bytes = config_file.read_bytes()
        if config_bytes != session.config_bytes:
            session.reset()
            session.config_bytes = config_bytes
    options = project.options
    use_dirs = project.config.get("use_directory_urls", True)
    limit = int(options["changes_limit"])
    output = produce(project.handbook_dir, project.root, project.templates_dir,
                     today=today or _option_date(options["today"]), use_directory_urls=use_dirs,
                     commits=(lambda: session.commits(project.handbook_dir, limit)) if session
                     else (lambda: recent_commits(project.handbook_dir, limit)),
                     cache=session.parse_cache if session else None,
                     feed_cache=session.feed_cache if session else None,
                     select=session.selector(project.templates_dir) if session else None)
    if not output.ok:
        if session:
            session.reset()
        return Tree(diagnostics=output.diagnostics)
    pages = session.merge(output) if session else output.pages
    edit_base = _edit_base(project.config)
    docs_rel = os.path.relpath(project.docs_dir, project.root)

    generated: dict[str, bytes] = {}
    for page in pages:
        content = page.content
        if edit_base and page.source:
            content = with_edit_url(content, _edit_url(edit_base, os.path.relpath(page.source, docs_rel)))
        generated[page.src_uri] = content.encode("utf-8")
    for uri, name in ASSETS.items():
        generated[uri] = (ASSET_DIR / name).read_bytes()
    generated.update(output.files)

    problems = folder_problems(project.docs_dir, project.root, "docs", links="none")
    theme = project.config.get("theme")
    custom = theme.get("custom_dir") if isinstance(theme, dict) else None
    if custom:
        problems += folder_problems(project.root / custom, project.root, "theme custom_dir", links="leaving")
    if problems:  # a folder that is a link: every file in it would seem inside it
        if session:
            session.reset()
        return Tree(diagnostics=problems)
    own, problems = read_docs(project.docs_dir, project.root)
    problems += collisions(own, generated, use_dirs, project)
    if problems:
        if session:
            session.reset()
        return Tree(diagnostics=problems)
    if edit_base:
        own = {uri: with_edit_url(data.decode("utf-8"), _edit_url(edit_base, uri)).encode("utf-8")
               if uri.endswith(".md") and _is_utf8(data) else data for uri, data in own.items()}

    files = {f"{DOCS}/{uri}": data for uri, data in {**own, **generated}.items()}
    overrides = _overrides(project)
    files.update({f"{OVERRIDES}/{uri}": data for uri, data in overrides.items()})
    own_pages = sorted(uri for uri in own if uri.endswith(".md"))
    threshold = nav_threshold if nav_threshold is not None else int(options["nav_threshold"])
    config = _config(project.config, build_nav(output.handbook.model, pages, threshold, own_pages),
                     custom_dir=OVERRIDES if overrides else None)
    files[CONFIG] = (HEADER + yaml.safe_dump(config, sort_keys=False, allow_unicode=True)).encode("utf-8")
    return Tree(files, len(pages), output.diagnostics)


def _config(config: dict, nav: list, custom_dir: str | None) -> dict:
    extensions = list(config.get("markdown_extensions") or [])
    names = {e if isinstance(e, str) else next(iter(e)) for e in extensions}
    # edit_uri goes: the pages are not files in the repository; each page's front matter has its edit_url.
    dropped = ("plugins", "docs_dir", "site_dir", "nav", "edit_uri", "edit_uri_template")
    exported = {k: v for k, v in config.items() if k not in dropped}
    theme = exported.get("theme")
    theme = {"name": theme} if isinstance(theme, str) else dict(theme or {})
    if custom_dir:
        theme["custom_dir"] = custom_dir
    exported.update({
        "theme": theme,
        "docs_dir": DOCS,
        "nav": config.get("nav") or nav,
        "plugins": _without_plugin(config.get("plugins")),
        "markdown_extensions": extensions + [e for e in REQUIRED_EXTENSIONS if e not in names],
        "extra_css": list(dict.fromkeys([*(config.get("extra_css") or []), *[u for u in ASSETS if u.endswith(".css")]])),
        "extra_javascript": list(dict.fromkeys([*(config.get("extra_javascript") or []),
                                                *[u for u in ASSETS if u.endswith(".js")]])),
    })
    return exported


# --- edit links -------------------------------------------------------------------------------------

def _edit_base(config: dict) -> str | None:
    """Where "edit this page" points for docs_dir, as MkDocs computes it: an absolute edit_uri, or
    edit_uri (default `edit/master/docs/` on GitHub and GitLab) under repo_url."""
    edit_uri = config.get("edit_uri")
    if isinstance(edit_uri, str) and urlsplit(edit_uri).scheme in ("http", "https"):
        return edit_uri.rstrip("/") + "/"
    repo = config.get("repo_url")
    if not isinstance(repo, str) or urlsplit(repo).scheme not in ("http", "https"):
        return None
    if edit_uri is None:
        host = urlsplit(repo).hostname or ""
        edit_uri = f"edit/master/{config.get('docs_dir', 'docs')}/" if host in ("github.com", "gitlab.com") else None
    if not edit_uri:
        return None
    return repo.rstrip("/") + "/" + str(edit_uri).strip("/") + "/"


def _edit_url(base: str, relative: str) -> str:
    parts = urlsplit(base + Path(relative).as_posix())
    return urlunsplit(parts._replace(path=posixpath.normpath(parts.path)))


def with_edit_url(markdown: str, url: str) -> str:
    """`markdown` with `edit_url` in its front matter (added, or a front matter made for it); a page
    that sets its own edit_url keeps it."""
    line = f"edit_url: {json.dumps(url)}\n"
    if markdown.startswith("---\n"):
        end = markdown.find("\n---", 3)
        if end != -1:
            head = markdown[4:end + 1]
            if any(l.startswith("edit_url:") for l in head.splitlines()):
                return markdown
            return "---\n" + head + line + markdown[end + 1:]
    return "---\n" + line + "---\n\n" + markdown


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# --- the project's own files --------------------------------------------------------------------------

def read_docs(docs_dir: Path, project_root: Path) -> tuple[dict[str, bytes], list[Problem]]:
    """The files of docs_dir that MkDocs would publish (dot-files and `templates/` folders left out),
    read without following a link out of docs_dir; a link out, a FIFO or a device is a problem."""
    if not docs_dir.is_dir():
        return {}, []
    root = os.path.realpath(docs_dir)
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    visited = {root}

    def where(path: str) -> str:
        try:
            return Path(os.path.abspath(path)).relative_to(project_root.resolve()).as_posix()
        except ValueError:
            return path

    def walk(folder: str, rel: str) -> None:
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.name.startswith(".") or (not rel and entry.name == "templates" and entry.is_dir()):
                continue
            uri = f"{rel}{entry.name}"
            real = os.path.realpath(entry.path)
            if os.path.commonpath([real, root]) != root:
                problems.append(Problem(where(entry.path), "is a symbolic link to a file outside docs_dir; "
                                        "it is not published", "replace the link with the file itself"))
                continue
            try:
                mode = os.stat(real).st_mode
            except OSError:
                problems.append(Problem(where(entry.path), "is a broken symbolic link", "remove it"))
                continue
            if stat.S_ISDIR(mode):
                if real not in visited:  # a link back up would loop
                    visited.add(real)
                    walk(entry.path, uri + "/")
            elif stat.S_ISREG(mode):
                with open(real, "rb") as fh:
                    files[uri] = fh.read()
            else:
                problems.append(Problem(where(entry.path), "is not a regular file (a FIFO, device or socket)",
                                        "remove it"))
    walk(str(docs_dir), "")
    return files, problems


def collisions(own: dict[str, bytes], generated: dict[str, bytes], use_dirs: bool, project: Project) -> list[Problem]:
    """A docs page at the place (source path or output file) of a generated one."""
    by_dest = {dest_uri(uri, use_dirs): uri for uri in generated}
    docs_rel = os.path.relpath(project.docs_dir, project.root)
    problems = []
    for uri in own:
        clash = uri if uri in generated else by_dest.get(dest_uri(uri, use_dirs))
        if clash is not None:
            problems.append(Problem(Path(docs_rel, uri).as_posix(), f"collides with the generated page {clash}",
                                    "rename or remove it: generated pages are made from the handbook's YAML files"))
    return problems


def _overrides(project: Project) -> dict[str, bytes]:
    """The theme overrides of the tree: the project's own custom_dir, if any, and the edit button."""
    theme = project.config.get("theme")
    custom = theme.get("custom_dir") if isinstance(theme, dict) else None
    files: dict[str, bytes] = {}
    if custom:
        files, _ = read_docs(project.root / custom, project.root)  # the same care as docs/
    files.setdefault("partials/actions.html", ACTIONS.encode("utf-8"))
    return files


# --- writing a tree ------------------------------------------------------------------------------------

def report(problems: list) -> str:
    """The errors among `problems` as `handbook check` prints them (and those found in docs/)."""
    found = errors(problems)
    diagnostics = [p for p in found if isinstance(p, Diagnostic)]
    lines = [format_report(diagnostics)] if diagnostics else []
    return "\n".join(lines + [p.format_text() for p in found if not isinstance(p, Diagnostic)])


def write_new(tree: Tree, out_dir: Path) -> None:
    for rel, data in tree.files.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def sync(tree: Tree, root: Path) -> list[str]:
    """Make `root` hold `tree`: write the files whose bytes changed (each by an atomic rename, so a
    watcher never reads half a file; pages before the config that lists them), remove the files
    the tree no longer has. Leaves everything outside MANAGED alone. Returns what changed."""
    root.mkdir(parents=True, exist_ok=True)
    changed = []
    for rel in sorted(tree.files, key=lambda r: r == CONFIG):
        data = tree.files[rel]
        path = root / rel
        try:
            if path.is_file() and not path.is_symlink() and path.read_bytes() == data:
                continue
        except OSError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.handbook-tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
        changed.append(rel)
    for top in MANAGED:
        base = root / top
        if not base.is_dir() or base.is_symlink():
            continue
        for folder, dirnames, filenames in os.walk(base, topdown=False):
            for name in filenames:
                path = Path(folder, name)
                rel = path.relative_to(root).as_posix()
                if rel not in tree.files:
                    path.unlink()
                    changed.append(rel)
            for name in dirnames:
                try:
                    Path(folder, name).rmdir()  # only if empty
                except OSError:
                    pass
    return changed


def export(config_file: Path, out_dir: Path, *, nav_threshold: int | None = None,
           today: date | None = None) -> ExportResult:
    """Render the handbook behind `config_file` into `out_dir` (which must be new or empty)."""
    Project.read(config_file).refuse_inside_sources(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty; export writes only into a new or empty folder")
    tree = stage(config_file, nav_threshold=nav_threshold, today=today)
    if not tree.ok:
        return ExportResult(out_dir, 0, tree.diagnostics)
    write_new(tree, out_dir)
    return ExportResult(out_dir, tree.pages, tree.diagnostics)
