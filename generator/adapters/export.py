"""Adapter: write the rendered handbook as an ordinary Markdown tree with a minimal mkdocs.yml,
so that other engines (ProperDocs, Zensical, plain MkDocs) can build it without this plugin.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from mkdocs.utils.yaml import yaml_load

from ..diagnostics import Diagnostic
from ..model.history import recent_commits
from ..site import ASSET_DIR, ASSETS, REQUIRED_EXTENSIONS, as_date, build_nav, options as plugin_options, produce

PLUGIN = "handbook"


class ExportRefused(Exception):
    """The target folder would change or pollute the project's sources."""


@dataclass
class ExportResult:
    out_dir: Path
    pages: int
    diagnostics: list[Diagnostic]


def _plugin_options(config: dict) -> dict:
    given: dict = {}
    for entry in config.get("plugins") or []:
        if isinstance(entry, dict) and PLUGIN in entry:
            given = entry[PLUGIN] or {}
    return plugin_options(given)


def _without_plugin(plugins: list) -> list:
    return [p for p in plugins or [] if p != PLUGIN and not (isinstance(p, dict) and PLUGIN in p)]


def export(config_file: Path, out_dir: Path, *, nav_threshold: int | None = None,
           today: date | None = None) -> ExportResult:
    """Render the handbook behind `config_file` into `out_dir` (which must be new or empty)."""
    project = config_file.resolve().parent
    with config_file.open(encoding="utf-8") as fh:
        config = yaml_load(fh) or {}
    options = _plugin_options(config)
    handbook_dir = project / options["handbook_dir"]
    sources = [handbook_dir, project / options["templates_dir"], project / config.get("docs_dir", "docs")]
    target = out_dir.resolve()
    for source in sources:
        if target == source.resolve() or source.resolve() in target.parents:
            # Inside docs/ the next build would publish the export, and the export would copy itself.
            raise ExportRefused(f"{out_dir} is inside the project's source folder {source.name}/; "
                             "export into a folder outside docs/, handbook/ and templates/")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty; export writes only into a new or empty folder")
    use_dirs = config.get("use_directory_urls", True)
    output = produce(handbook_dir, project, project / options["templates_dir"],
                     today=today or as_date(options["today"]) or date.today(), use_directory_urls=use_dirs,
                     commits=lambda: recent_commits(handbook_dir, int(options["changes_limit"])))
    if not output.ok:
        return ExportResult(out_dir, 0, output.diagnostics)
    pages, extra_files = output.pages, output.files

    docs = out_dir / "docs"
    own_docs = project / config.get("docs_dir", "docs")
    if own_docs.is_dir():
        shutil.copytree(own_docs, docs)
    for page in pages:
        target = docs / page.src_uri
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.content, encoding="utf-8")
    for uri, name in ASSETS.items():
        (docs / uri).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ASSET_DIR / name, docs / uri)
    for uri, content in extra_files.items():
        (docs / uri).parent.mkdir(parents=True, exist_ok=True)
        (docs / uri).write_bytes(content)

    generated = {p.src_uri for p in pages}
    own = sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*.md")
                 if p.relative_to(docs).as_posix() not in generated)
    threshold = nav_threshold if nav_threshold is not None else int(options["nav_threshold"])
    extensions = list(config.get("markdown_extensions") or [])
    names = {e if isinstance(e, str) else next(iter(e)) for e in extensions}
    # edit_uri goes: exported pages are not files in the repository, so their edit links would 404.
    dropped = ("plugins", "docs_dir", "site_dir", "nav", "edit_uri", "edit_uri_template")
    exported = {k: v for k, v in config.items() if k not in dropped}
    exported.update({
        "docs_dir": "docs",
        "nav": config.get("nav") or build_nav(output.handbook.model, pages, threshold, own),
        "plugins": _without_plugin(config.get("plugins")),
        "markdown_extensions": extensions + [e for e in REQUIRED_EXTENSIONS if e not in names],
        "extra_css": list(dict.fromkeys([*(config.get("extra_css") or []), *[u for u in ASSETS if u.endswith(".css")]])),
        "extra_javascript": list(dict.fromkeys([*(config.get("extra_javascript") or []),
                                                *[u for u in ASSETS if u.endswith(".js")]])),
    })
    header = "# Exported by `handbook export`: the rendered handbook as plain Markdown, buildable without\n" \
             "# the handbook plugin (mkdocs build, properdocs build, zensical build). Do not edit: re-export.\n"
    (out_dir / "mkdocs.yml").write_text(header + yaml.safe_dump(exported, sort_keys=False, allow_unicode=True),
                                        encoding="utf-8")
    return ExportResult(out_dir, len(pages), output.diagnostics)
