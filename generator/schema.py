"""Transitional: the built-in model's names, for modules not yet handed the handbook's own model."""

from .model.declare import META_FILE, default_model
from .model.types import *  # noqa: F401,F403
from .model.types import field_shape, ref_fields, slugify  # noqa: F401

KINDS = default_model().kinds
HandbookMeta = default_model().meta.model
