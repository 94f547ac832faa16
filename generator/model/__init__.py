"""Model: value types, kind declarations, the handbook's own model, and the resolved graph."""

from .graph import Entity, Handbook, ParseCache, Relation, read_handbook

__all__ = ["Entity", "Handbook", "ParseCache", "Relation", "read_handbook"]
