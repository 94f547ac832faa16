"""Adapter: the `handbook` command line (check, schema, new, explain, init, templates, diff, export, build,
serve).

Exit codes: 0 clean, 1 problems found (or a refused action), 2 usage or internal error.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import click

from ..codes import CODES
from ..diagnostics import Diagnostic, errors, excerpt, format_report, summary
from ..folders import folder_problems
from ..model import read_handbook
from ..model.declare import Model, default_model, load_model
from ..model.history import diff
from ..model.jsonschema import write_schemas
from ..model.lints import run_lints
from ..model.loader import load_file
from ..model.starter import create_entity
from ..render.templates import missing_templates
from ..site import OptionError, as_date, shadowed_pages


def _today(value: str | None) -> date:
    try:
        return as_date(value, "--today") or date.today()
    except OptionError as exc:
        raise click.BadParameter(str(exc)) from None


def collect(handbook_dir: Path, today: date) -> tuple[list[Diagnostic], int]:
    """Everything `check` reports: file, schema and reference problems, then lints."""
    handbook, diagnostics = read_handbook(handbook_dir, Path.cwd())
    diagnostics += folder_problems(handbook_dir.parent / "templates", Path.cwd(), "templates", links="all")
    if handbook is not None:
        diagnostics += run_lints(handbook, today)
        diagnostics += missing_templates(handbook.model, handbook_dir.parent / "templates") + shadowed_pages(handbook)
    # Counted by names alone (pathlib's rglob made an object of each of 10,000 paths); links not followed.
    files = sum(name.endswith((".yaml", ".yml")) for _, _, names in os.walk(handbook_dir) for name in names)
    return diagnostics, files


class HandbookGroup(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:  # never a traceback: say what failed, exit 2
            # One escaped line: an exception's text may quote input (a CR/LF there would start a
            # forged workflow command in a CI log).
            click.echo(f"handbook: internal error: {type(exc).__name__}: {excerpt(exc, 300)}", err=True)
            click.echo("  = hint: please report this with the command you ran", err=True)
            sys.exit(2)


@click.group(cls=HandbookGroup)
@click.version_option(package_name="handbook-generator")
def main() -> None:
    """Validate, scaffold and document an operating-system handbook."""


@main.command()
@click.argument("directory", default="handbook", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "github", "json"]), default="text", show_default=True,
              help="text for people, github for workflow annotations, json for tools")
@click.option("--strict", is_flag=True, help="fail on warnings too")
@click.option("--stale", is_flag=True, help="fail when any page is past its review date")
@click.option("--today", metavar="YYYY-MM-DD", help="pretend today is this date (review checks)")
def check(directory: Path, fmt: str, strict: bool, stale: bool, today: str | None) -> None:
    """Validate the handbook in DIRECTORY and run the lints."""
    if not directory.is_dir():
        raise click.UsageError(f"no handbook folder at '{directory}'")
    diagnostics, count = collect(directory, _today(today))
    if stale:  # for teams that want review dates enforced in CI
        diagnostics = [replace(d, severity="error") if d.code == "review-overdue" else d for d in diagnostics]
    if fmt == "json":
        click.echo(format_report(diagnostics, "json"))
    elif diagnostics:
        click.echo(format_report(diagnostics, fmt))
    if fmt == "text":
        verdict = summary(diagnostics) if diagnostics else "ok"
        click.echo(f"{verdict}: {count} files checked in {directory}", err=bool(diagnostics))
    failed = errors(diagnostics) or (strict and diagnostics)
    sys.exit(1 if failed else 0)


@main.command()
@click.option("--out", "out_dir", default="schemas", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="folder to write the JSON Schema files into")
@click.option("--dir", "directory", default="handbook", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="the handbook folder, for its own model")
def schema(out_dir: Path, directory: Path) -> None:
    """Write the JSON Schema (draft 2020-12) of every kind of the handbook's model (built-in kinds
    and its own), and of model.yaml, for editors and other tools."""
    model = _model(directory) if directory.is_dir() else default_model()
    for path in write_schemas(model, out_dir):
        click.echo(str(path))


@main.command()
@click.argument("kind")
@click.argument("name")
@click.option("--dir", "directory", default="handbook", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="the handbook folder")
def new(kind: str, name: str, directory: Path) -> None:
    """Create a starter file for a new KIND (ritual, interface, funding, team, principle, or a kind of
    the handbook's own model) called NAME."""
    model = _model(directory) if directory.is_dir() else default_model()
    found = model.find(kind)
    if found is None:
        raise click.UsageError(f"unknown kind '{kind}'; use one of: {', '.join(k.schema for k in model.kinds.values())}")
    known = {k: sorted(p.stem for p in (directory / k).glob("*.y*ml")) for k in model.kinds}
    meta = _meta_data(directory)
    if isinstance(meta.get("owner"), str):  # reference the handbook's owner team first
        known["teams"] = [meta["owner"]] + [t for t in known["teams"] if t != meta["owner"]]
    known["pillars"] = [p["id"] for p in meta.get("pillars") or [] if isinstance(p, dict) and isinstance(p.get("id"), str)]
    try:
        path = create_entity(directory, found, name, known, date.today())
    except FileExistsError as exc:
        click.echo(f"error: {exc} already exists; nothing was written", err=True)
        click.echo("  = hint: choose another name, or edit the existing file", err=True)
        sys.exit(1)
    except ValueError as exc:
        raise click.UsageError(str(exc))
    click.echo(f"created {path}")
    click.echo("next: replace every TODO, uncomment the optional fields you need, then run `handbook check`")


@main.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--config", "config_file", default="mkdocs.yml", show_default=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--nav-threshold", type=int, help="list a section's entities in the nav up to this many "
              "(default: the plugin's nav_threshold)")
def export(out_dir: Path, config_file: Path, nav_threshold: int | None) -> None:
    """Write the rendered Markdown and a minimal mkdocs.yml into OUT_DIR, for other engines."""
    from .export import ExportRefused, export as run_export, report
    try:
        result = run_export(config_file, out_dir, nav_threshold=nav_threshold)
    except (FileExistsError, ExportRefused) as exc:
        click.echo(f"error: {excerpt(exc, 600)}; nothing was written", err=True)
        sys.exit(1)
    if errors(result.diagnostics):
        click.echo(report(result.diagnostics), err=True)
        click.echo(f"{summary(result.diagnostics)}: nothing was exported", err=True)
        sys.exit(1)
    click.echo(f"exported {result.pages} pages to {out_dir}; build it with: mkdocs build -f {out_dir / 'mkdocs.yml'}")


ENGINES = ["mkdocs", "properdocs", "zensical"]
_ENGINE = click.option("--engine", type=click.Choice(ENGINES), default="mkdocs", show_default=True,
                       help="mkdocs or properdocs run this plugin; zensical builds the rendered handbook "
                       "staged in .handbook/stage/ (README, Engines)")
_CONFIG = click.option("--config", "config_file", default="mkdocs.yml", show_default=True,
                       type=click.Path(dir_okay=False, exists=True, path_type=Path))


def _run_engine(engine: str, args: list[str]) -> int:
    """`mkdocs …` or `properdocs …` in a child process; Ctrl-C and `kill` reach it and end it."""
    import os
    import subprocess
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    process = subprocess.Popen([sys.executable, "-m", engine, *args], env=env)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return process.wait()


@main.command()
@_ENGINE
@_CONFIG
@click.option("--site-dir", type=click.Path(file_okay=False, path_type=Path), help="where to write the site "
              "(default: site_dir of mkdocs.yml, site/)")
@click.option("--strict", is_flag=True, help="fail on the engine's warnings too")
@click.option("--clean", is_flag=True, help="zensical: build without its cache")
def build(engine: str, config_file: Path, site_dir: Path | None, strict: bool, clean: bool) -> None:
    """Build the site with ENGINE. A handbook with errors builds nothing and leaves the site as it was."""
    if engine == "zensical":
        from .export import ExportRefused
        from .zensical import EngineError, build as zensical_build
        try:
            code = zensical_build(config_file, site_dir, clean=clean, strict=strict, echo=click.echo)
        except (ExportRefused, EngineError) as exc:
            click.echo(f"error: {excerpt(exc, 600)}", err=True)
            code = 1
        sys.exit(code)
    args = ["build", "-f", str(config_file)] + (["-d", str(site_dir)] if site_dir else []) + (["--strict"] if strict else [])
    sys.exit(_run_engine(engine, args))


@main.command()
@_ENGINE
@_CONFIG
@click.option("--dev-addr", "-a", default="127.0.0.1:8000", show_default=True, metavar="IP:PORT")
def serve(engine: str, config_file: Path, dev_addr: str) -> None:
    """Preview the handbook with ENGINE, reloading the browser after every edit of handbook/,
    templates/ or docs/ (mkdocs and properdocs: `serve --dirty`, see README, Preview)."""
    if engine == "zensical":
        from .export import ExportRefused
        from .zensical import EngineError, serve as zensical_serve
        try:
            code = zensical_serve(config_file, dev_addr, echo=click.echo)
        except (ExportRefused, EngineError) as exc:
            click.echo(f"error: {excerpt(exc, 600)}", err=True)
            code = 1
        sys.exit(code)
    sys.exit(_run_engine(engine, ["serve", "--dirty", "-f", str(config_file), "-a", dev_addr]))


_CODE_SAFE = re.compile(r"^[A-Za-z0-9/._-]+$")


@main.command(name="diff")
@click.argument("rev1")
@click.argument("rev2", required=False, default="")
@click.option("--dir", "directory", default="handbook", show_default=True,
              type=click.Path(file_okay=False, exists=True, path_type=Path), help="the handbook folder")
def diff_command(rev1: str, rev2: str, directory: Path) -> None:
    """What changed in the handbook between REV1 and REV2 (default: the work tree), in words,
    as Markdown for a pull-request description."""
    from ..render.text import escape_markdown  # not at the top: `check` needs no Markdown (~0.1 s to import)
    changes = diff(directory, rev1, rev2)
    if changes is None:
        click.echo(f"error: cannot compare {excerpt(rev1)}..{excerpt(rev2) if rev2 else 'work tree'}: not a git "
                   "repository, or an unknown revision", err=True)
        sys.exit(2)
    if not changes:
        click.echo("No change to the handbook's data.")
    for ch in changes:
        # Names, file names and values come from the pull request itself: each line starts with
        # "- " and holds inert Markdown (no line break, link, image or HTML), whatever they contain.
        where = f"{ch.kind}/{ch.id}"
        where = f"`{where}`" if _CODE_SAFE.match(where) else escape_markdown(where)  # a ` would end the code span
        click.echo(f"- **{escape_markdown(ch.name)}** ({where}): {escape_markdown(ch.describe().split(': ', 1)[-1])}")


@main.command()
@click.argument("code", required=False)
def explain(code: str | None) -> None:
    """Explain a diagnostic CODE (e.g. zombie-ritual); without CODE, list them all."""
    if code is None:
        for name, c in CODES.items():
            click.echo(f"{name:28} {c.severity:8} {c.title}")
        return
    c = CODES.get(code.strip().lower().removeprefix("error[").removeprefix("warning[").rstrip("]"))
    if c is None:
        import difflib
        close = difflib.get_close_matches(code, CODES, n=1)
        raise click.UsageError(f"unknown code '{code}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    click.echo(f"{code} ({c.severity}): {c.title}\n\n{c.explanation}\n\nHow to fix: {c.fix}")


@main.command()
@click.argument("directory", default=".", type=click.Path(path_type=Path))
@click.option("--example", is_flag=True, help="start from the Fernhill example instead of one starter per kind")
@click.option("--name", help="the company's name, for the site title (default: from DIRECTORY)")
def init(directory: Path, example: bool, name: str | None) -> None:
    """Create a new handbook project in DIRECTORY (new, or empty): mkdocs.yml, handbook/ with one
    commented, valid starter per kind (or the Fernhill example), a CI workflow, a pre-commit hook,
    JSON Schema for editors and a README. Writes nothing outside DIRECTORY and never overwrites."""
    from .init import InitRefused, init_project
    try:
        result = init_project(directory, example=example, name=name)
    except (InitRefused, FileExistsError) as exc:
        click.echo(f"error: {excerpt(exc, 600)}; nothing was written", err=True)
        click.echo("  = hint: choose a new folder: handbook init my-handbook", err=True)
        sys.exit(1)
    what = "the Fernhill example" if example else "one starter per kind"
    click.echo(f"created a handbook project in {directory} ({len(result.files)} files, {what})")
    click.echo("next:" + (f" cd {directory}\n     " if directory != Path(".") else "")
               + " handbook check    # validate\n      mkdocs serve      # preview at http://127.0.0.1:8000\n"
               "      then commit, push and open your first pull request (see README.md)")


@main.group(invoke_without_command=True)
@click.option("--dir", "templates_dir", default="templates", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="the project's templates folder")
@click.pass_context
def templates(ctx: click.Context, templates_dir: Path) -> None:
    """List the packaged templates, the blocks each offers and which the project overrides.
    `handbook templates copy NAME` starts an override."""
    ctx.obj = templates_dir
    if ctx.invoked_subcommand is not None:
        return
    from ..render.templates import TEMPLATES_VERSION, packaged_list
    from .templates import role
    click.echo(f"Packaged templates (version {TEMPLATES_VERSION}); a file of the same name in {templates_dir}/ "
               "replaces one, and {% extends \"packaged/NAME\" %} extends it:")
    for t in packaged_list():
        mark = "overridden" if (templates_dir / t.name).is_file() else ""
        blocks = f"  blocks: {', '.join(t.blocks)}" if t.blocks else ""
        click.echo(f"  {t.name:24} {role(t.name):40} {mark:11}{blocks}".rstrip())


@templates.command(name="copy")
@click.argument("name")
@click.option("--block", "blocks", multiple=True, help="write a template that extends the packaged one and "
              "overrides only this block (repeatable), instead of a full copy")
@click.option("--to", "target", help="where to write it (default: the templates folder; '-' prints it)")
@click.pass_obj
def templates_copy(templates_dir: Path, name: str, blocks: tuple[str, ...], target: str | None) -> None:
    """Copy the packaged template NAME into the project's templates folder to start from: all of it,
    or with --block only the blocks to change. Never overwrites."""
    from .templates import TemplateCopyError, override_text
    try:
        text = override_text(name, list(blocks))
    except TemplateCopyError as exc:
        raise click.UsageError(str(exc))
    if target == "-":
        click.echo(text, nl=False)
        return
    path = Path(target) if target else templates_dir / name
    if path.exists():
        click.echo(f"error: {path} already exists; nothing was written", err=True)
        click.echo("  = hint: edit it, or remove it first to start again from the packaged one", err=True)
        sys.exit(1)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as fh:
        fh.write(text)
    click.echo(f"created {path}" + (f" (overrides block {', '.join(blocks)} of packaged/{name})" if blocks else ""))
    click.echo("next: edit it and preview with `mkdocs serve`; every other page stays the packaged one")


def _model(directory: Path) -> Model:
    """The handbook's effective model; its problems end the command (exit 1)."""
    model, problems = load_model(directory, Path.cwd())
    if model is None:
        click.echo(format_report(problems), err=True)
        click.echo(f"{summary(problems)}: the handbook's model must be fixed first", err=True)
        sys.exit(1)
    return model


def _meta_data(directory: Path) -> dict:
    """handbook.yaml as plain data, or {} when it is missing or broken (check reports that)."""
    path = directory / "handbook.yaml"
    doc = load_file(path, "handbook.yaml")[0] if path.is_file() else None
    return doc.data if doc else {}


if __name__ == "__main__":  # pragma: no cover
    main()
