"""Operating-system handbook generator: YAML in handbook/ -> validated model -> Jinja -> MkDocs.

Pipeline modules, in order: loader (YAML with positions), schema + validate (one pydantic model
per kind), model (resolved graph with derived reverse relations), text + render (safe Markdown
through Jinja templates), then the adapters: plugin (MkDocs) and cli (`handbook`).
"""
