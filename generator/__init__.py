"""Operating-system handbook generator: YAML in handbook/ -> validated model -> Jinja -> MkDocs.

The folders are the pipeline; each imports only from the ones below it:
  model/      kinds as declarations (kinds/*.yaml, and a handbook's own model.yaml), value types,
              YAML with positions, validation into located diagnostics, the resolved graph,
              lints, git history, starters, JSON Schema
  render/     Jinja pages from templates/, safe text, held HTML, SVG diagrams, calendar and API
  site.py     the site plan (pages, nav, assets, options) and the whole pipeline in one call
  adapters/   mkdocs/ (the plugin, the incremental preview, MkDocs internals), cli, export
codes.py and diagnostics.py are shared by every stage.
"""
