"""Operating-system handbook generator: YAML in handbook/ -> validated model -> Jinja -> MkDocs.

The pipeline, in order:
  loader      YAML text -> plain values, with the position of every key and value
  schema      one pydantic model per kind (fields, hints, typed references, JSON Schema source)
  validate    files -> validated models; pydantic errors -> located diagnostics
  model       the resolved graph: entities, references, derived reverse relations
  lints       checks on the graph beyond the schema (codes explained in codes.py)
  text        untrusted YAML prose -> safe HTML; render + templates/ -> Markdown pages
  diagrams    SVG drawn at build time; feeds: calendar (.ics) and JSON API; history: git changes
  pipeline    all of the above in one call, shared by the adapters
Adapters: plugin (MkDocs; preview.py makes `mkdocs serve --dirty` incremental), cli (`handbook`),
export (plain Markdown for other engines), schema_export, scaffold (`handbook new`).
"""
