"""Evidence: the `evidence:` section of model.yaml (also its JSON Schema)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field


class _Decl(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TeamColumn(_Decl):
    column: str = Field(description="the export's column (GitHub: field) that names the team, e.g. Project key")
    map: dict[str, str] = Field({}, description="tracker value -> team id; a value not listed must be a team id")


class SourceDecl(_Decl):
    path: str = Field(description="file or glob relative to the project root, e.g. evidence/jira-*.csv; the format "
                                  "(Jira CSV, Linear CSV, GitHub issues JSON) is detected from its headers")
    team: Union[str, TeamColumn] = Field(description="a team id for the whole file, or {column, map}")
    link: Optional[str] = Field(None, description="address of an issue, with {key}, e.g. "
                                                  "https://jira.example.com/browse/{key}")

    @property
    def folder(self) -> str:
        """The folder the path's files are in, up to its first wildcard (`evidence` for
        `evidence/jira-*.csv`): what a preview watches for new and changed exports."""
        parts = PurePosixPath(self.path).parts
        fixed = next((i for i, part in enumerate(parts) if any(c in part for c in "*?[")), len(parts) - 1)
        return PurePosixPath(*parts[:fixed]).as_posix() if fixed else "."


class RuleDecl(_Decl):
    """A rule matches when every key it names matches; a key matches when any of its values does."""

    category: str = Field(description="the funding category the matching issues count for")
    labels: Optional[list[str]] = None
    types: Optional[list[str]] = Field(None, description="issue types (Jira `Issue Type`)")
    projects: Optional[list[str]] = Field(None, description="Jira `Project key`, Linear `Project`, GitHub milestone")
    components: Optional[list[str]] = Field(None, description="Jira `Component/s`")
    parents: Optional[list[str]] = Field(None, description="issue keys: the issue itself or its parent")
    statuses: Optional[list[str]] = None
    fields: Optional[dict[str, list[str]]] = Field(None, description="column -> values")


class EvidenceDecl(_Decl):
    """Allocation measured from the work tracker's exports (never a network call)."""

    sources: list[SourceDecl] = Field(description="the export files")
    categories: list[RuleDecl] = Field([], description="ordered rules; the first that matches wins")
    effort: Literal["issues", "points", "person-days"] = Field(
        "issues", description="issues and points count in the period an issue was resolved; person-days split "
                              "each assignee's working days across the issues in progress")
    unestimated: float = Field(1, ge=0, description="points given to an issue with no estimate")
    redact: Optional[Literal["titles"]] = Field(None, description="titles: publish issue keys only")
    top: int = Field(3, ge=0, le=20, description="top parents shown per team, period and category")

    def folders(self, project_dir: Path) -> list[Path]:
        """The project's folders the exports are read from, each once; none that leaves the project
        or passes through a link (those are refused when read: nothing of them is watched either)."""
        found: dict[str, Path] = {}
        for source in self.sources:
            rel = source.folder
            parts = PurePosixPath(rel).parts
            # The project root is never watched: it holds the site folder, so every build would start another.
            if rel == "." or rel.startswith("/") or ".." in parts or ":" in rel:
                continue
            step, linked = project_dir, False
            for part in parts:
                step = step / part
                linked = linked or step.is_symlink()
            if not linked and step.is_dir():
                found.setdefault(rel, step)
        return list(found.values())
