"""Render: where templates come from. A project's own `templates/` folder first, the packaged
defaults behind it, file by file, as Material's `custom_dir` does for theme files.

- `templates/ritual.md.j2` in the project replaces the packaged `ritual.md.j2`; every template it
  does not have comes from the package (and `{% import "_macros.md.j2" %}` in a packaged page finds
  the project's `_macros.md.j2` if it has one).
- `packaged/<name>` always names the packaged template, so a project's template can extend the
  file it replaces and change one block:

      {% extends "packaged/ritual.md.j2" %}
      {% block header %}# {{ entity.name }} (our ritual){% endblock %}

- The packaged templates carry a version (`TEMPLATES_VERSION`): what their blocks are called and
  which names they get. A template copied by `handbook templates copy` starts with
  `{#- handbook-templates: N -#}`; after an upgrade whose templates changed in a way that breaks
  it, the build stops with a diagnostic at that line saying what to change (`BREAKING`), instead of
  a TemplateNotFound or an undefined name somewhere inside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2 import nodes

from ..diagnostics import Diagnostic
from ..packaged import packaged_templates

PACKAGED_PREFIX = "packaged"  # `{% extends "packaged/ritual.md.j2" %}`
TEMPLATE_SUFFIX = ".j2"
# Bump when a packaged template changes in a way that can break a project's copy or extension of
# it (a block renamed or removed, a name templates get renamed), and say in BREAKING what to change.
TEMPLATES_VERSION = 1
# version -> [(template name, or "*" for every template, what a project's template must change)]
BREAKING: dict[int, list[tuple[str, str]]] = {}
VERSION_LINE = re.compile(r"\A\s*\{#-?\s*handbook-templates:\s*(\S+?)\s*(?:[;,].*?)?-?#\}", re.S)


def version_header(version: int = TEMPLATES_VERSION) -> str:
    """The first line of a template copied from the package (renders as nothing)."""
    return (f"{{#- handbook-templates: {version}; copied from the packaged templates: see README, "
            f"\"Upgrading\" -#}}\n")


class TemplateVersionError(jinja2.TemplateError):
    """A project's template was written for templates of another version than the packaged ones."""

    def __init__(self, message: str, filename: str, lineno: int, hint: str):
        super().__init__(message)
        self.filename, self.lineno, self.hint = filename, lineno, hint


def declared_version(source: str) -> str | None:
    found = VERSION_LINE.match(source)
    return found.group(1) if found else None


def version_problem(name: str, source: str, current: int = TEMPLATES_VERSION,
                    breaking: dict[int, list[tuple[str, str]]] | None = None) -> tuple[str, str] | None:
    """(message, hint) when a project's template `name` declares a version it cannot work with."""
    breaking = BREAKING if breaking is None else breaking
    declared = declared_version(source)
    if declared is None:
        return None
    if not declared.isdigit():
        return (f"handbook-templates: {declared!r} is not a version number",
                f"write the version of the packaged templates it was copied from, e.g. handbook-templates: {current}")
    version = int(declared)
    if version > current:
        return (f"{name} was written for templates version {version}, but this handbook-generator ships "
                f"version {current}", "upgrade the package (pip install -U handbook-generator), "
                "or pin the version the project was made with")
    changes = [text for v in range(version + 1, current + 1) for target, text in breaking.get(v, [])
               if target in ("*", name)]
    if changes:
        return (f"{name} was written for templates version {version}; the packaged templates are version "
                f"{current}: " + " ".join(changes),
                f"make these changes, then write handbook-templates: {current} on its first line; "
                f"`handbook templates copy {name}` shows the packaged version (README, \"Upgrading\")")
    return None


class ProjectLoader(jinja2.FileSystemLoader):
    """The project's templates folder; a template declaring an incompatible version is refused."""

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        if not _regular_file(Path(filename)):  # a link is never read (produce() refuses it too)
            raise jinja2.TemplateNotFound(template)
        problem = version_problem(template, source)
        if problem is not None:
            raise TemplateVersionError(problem[0], filename, 1, problem[1])
        return source, filename, uptodate


class OverridableLoader(jinja2.BaseLoader):
    """The first of `loaders` that has the template (as jinja2.ChoiceLoader, whose `load` would
    bypass this `get_source`). A packaged template stops being up to date once the project has a
    file of its name, so that an override added under `mkdocs serve` is used at the next rebuild."""

    def __init__(self, loaders: list[jinja2.BaseLoader], project_templates: Path):
        self.loaders, self.project_templates = loaders, project_templates

    def list_templates(self) -> list[str]:
        return sorted({name for loader in self.loaders for name in loader.list_templates()})

    def get_source(self, environment, template):
        for loader in self.loaders:
            try:
                source, filename, uptodate = loader.get_source(environment, template)
                break
            except jinja2.TemplateNotFound:
                continue
        else:
            raise jinja2.TemplateNotFound(template)
        if template.startswith(PACKAGED_PREFIX + "/"):
            return source, filename, uptodate
        override = self.project_templates / template
        if Path(filename) != override:
            return source, filename, lambda: (uptodate() if uptodate else True) and not override.is_file()
        return source, filename, uptodate


def make_loader(project_templates: Path) -> jinja2.BaseLoader:
    packaged = jinja2.FileSystemLoader(str(packaged_templates()))
    if project_templates.resolve() == packaged_templates().resolve():  # this repository's own build
        return jinja2.ChoiceLoader([jinja2.PrefixLoader({PACKAGED_PREFIX: packaged}), packaged])
    return OverridableLoader([ProjectLoader(str(project_templates)), jinja2.PrefixLoader({PACKAGED_PREFIX: packaged}),
                              packaged], project_templates)


@dataclass(frozen=True)
class PackagedTemplate:
    name: str
    path: Path
    blocks: list[str]


def packaged_list(env: jinja2.Environment | None = None) -> list[PackagedTemplate]:
    """Every packaged template with the blocks a project's template can override."""
    env = env or jinja2.Environment()
    root = packaged_templates()
    out = []
    for path in sorted(root.rglob(f"*{TEMPLATE_SUFFIX}")):
        text = path.read_text(encoding="utf-8")
        try:
            blocks = [b.name for b in env.parse(text).find_all(nodes.Block)]
        except jinja2.TemplateSyntaxError:
            blocks = []
        out.append(PackagedTemplate(path.relative_to(root).as_posix(), path, blocks))
    return out


def block_source(name: str, block: str) -> str | None:
    """The text between `{% block BLOCK %}` and its `{% endblock %}` in the packaged template."""
    text = (packaged_templates() / name).read_text(encoding="utf-8")
    start = re.search(r"\{%-?\s*block\s+" + re.escape(block) + r"\s*-?%\}", text)
    if start is None:
        return None
    depth, pos = 1, start.end()
    for tag in re.finditer(r"\{%-?\s*(block|endblock)\b[^%]*-?%\}", text[pos:]):
        depth += 1 if tag.group(1) == "block" else -1
        if depth == 0:
            return text[pos:pos + tag.start()]
    return None


def missing_templates(model, templates_dir: Path) -> list[Diagnostic]:
    """A template a kind declares that neither the project's templates folder (a regular file,
    not a link) nor the package has: an error at its line in model.yaml, so that `check` refuses
    what the build would."""
    root = packaged_templates()
    packaged = {p.relative_to(root).as_posix() for p in root.rglob(f"*{TEMPLATE_SUFFIX}")}
    problems = []
    for kind in model.kinds.values():
        for name, rel, line, col in kind.template_lines:
            if name in packaged or _regular_file(templates_dir / name):
                continue
            problems.append(Diagnostic(rel, line, col, "error", "template",
                                       f"template '{name}' of kind '{kind.name}' is neither in "
                                       f"{templates_dir.name}/ nor among the packaged templates",
                                       f"create {templates_dir.name}/{name} (`handbook templates copy entity.md.j2 "
                                       f"--to {templates_dir.name}/{name}` starts one), or remove the declaration"))
    return problems


def _regular_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()

