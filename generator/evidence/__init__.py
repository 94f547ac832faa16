"""Evidence: allocation measured from a work tracker's exports (Jira CSV, Linear CSV, GitHub issues
JSON). Readers stream each file into plain records, the declared rules classify them, an effort
model weighs them, and only aggregates leave this package (shares, counts, keys and the titles of
top parents). It knows the declarations it is handed and nothing of pages."""

from .declare import EvidenceDecl, RuleDecl, SourceDecl, TeamColumn
from .aggregate import Cell, Evidence, PeriodSpan, measure

__all__ = ["EvidenceDecl", "RuleDecl", "SourceDecl", "TeamColumn", "Cell", "Evidence", "PeriodSpan", "measure"]
