"""Tracker exports as the trackers write them (Jira CSV, Linear CSV, GitHub issues JSON), from a
list of plain issues, for tests of the evidence readers. Personal data and confidential text are
put in on purpose (e-mail addresses, descriptions, comments) so that tests can show they never
reach the site."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass
class Issue:
    key: str
    title: str
    team: str = ""  # the tracker's team value (Jira: project key; Linear: team name; GitHub: milestone)
    type: str = "Story"
    status: str = "Done"
    labels: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    parent: str = ""
    points: float | None = None
    created: date = date(2026, 4, 1)
    started: date | None = None
    done: date | None = None
    canceled: bool = False
    assignee: str = "ana"
    project: str = ""  # Linear's project


def _jira_date(d: date | None) -> str:
    if d is None:
        return ""
    t = datetime(d.year, d.month, d.day, 15, 42)
    return f"{d.day:02d}/{MONTHS[d.month - 1]}/{d.year % 100:02d} 3:42 PM" if t else ""


def jira_csv(issues: list[Issue], *, bom: bool = True, crlf: bool = True, parent_by: str = "Parent") -> bytes:
    """Jira Cloud's "export all fields": repeated Labels and Component/s columns, numeric `Parent`
    ids (or `Custom field (Epic Link)` keys, as older exports), quoted multi-line descriptions."""
    n_labels = max([len(i.labels) for i in issues] + [1])
    n_comp = max([len(i.components) for i in issues] + [1])
    ids = {i.key: str(10000 + n) for n, i in enumerate(issues)}
    titles = {i.key: i.title for i in issues}
    parent_cols = ["Parent", "Parent summary"] if parent_by == "Parent" else ["Custom field (Epic Link)"]
    header = (["Summary", "Issue key", "Issue id", "Issue Type", "Status", "Project key", "Project name", "Priority",
               "Resolution", "Assignee", "Reporter", "Reporter email", "Created", "Updated", "Resolved"]
              + ["Labels"] * n_labels + ["Component/s"] * n_comp + ["Sprint", "Sprint", "Description",
                                                                     "Custom field (Story Points)"]
              + parent_cols + ["Comment"])
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n" if crlf else "\n")
    w.writerow(header)
    for i in issues:
        project = i.team or i.key.split("-")[0]
        resolution = "Won't Do" if i.canceled else ("Done" if i.done else "")
        row = [i.title, i.key, ids[i.key], i.type, i.status, project, f"{project} project", "Medium", resolution,
               i.assignee, "Rita Reporter", "rita.reporter@example.com", _jira_date(i.created),
               _jira_date(i.done or i.created), _jira_date(i.done)]
        row += (i.labels + [""] * n_labels)[:n_labels] + (i.components + [""] * n_comp)[:n_comp]
        row += ["Sprint 1", "", f"SECRET-DESCRIPTION of {i.key},\nspanning \"lines\"",
                "" if i.points is None else f"{i.points:g}"]
        if parent_by == "Parent":
            row += [ids.get(i.parent, ""), titles.get(i.parent, "")]
        else:
            row += [i.parent]
        row += ["SECRET-COMMENT by someone@example.com"]
        w.writerow(row)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def _iso(d: date | None) -> str:
    return f"{d.isoformat()}T10:00:00.000Z" if d else ""


def linear_csv(issues: list[Issue]) -> bytes:
    header = ["ID", "Team", "Title", "Description", "Status", "Estimate", "Priority", "Project", "Creator", "Assignee",
              "Labels", "Cycle Name", "Created", "Updated", "Started", "Completed", "Canceled", "Parent issue"]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    for i in issues:
        w.writerow([i.key, i.team, i.title, f"SECRET-DESCRIPTION {i.key}\nmore", "Canceled" if i.canceled else i.status,
                    "" if i.points is None else f"{i.points:g}", "High", i.project, "creator@example.com",
                    f"{i.assignee}@example.com", ", ".join(i.labels), "Cycle 3", _iso(i.created), _iso(i.created),
                    _iso(i.started), "" if i.canceled else _iso(i.done), _iso(i.done) if i.canceled else "", i.parent])
    return out.getvalue().encode("utf-8")


def github_json(issues: list[Issue], *, gh: bool = False, prs: int = 1) -> bytes:
    """The REST list shape (`gh=False`) or `gh issue list --json …`'s; `prs` pull requests are
    added (the REST list holds them; they are not issues)."""
    items = []
    for n, i in enumerate(issues):
        number = int(i.key.lstrip("#"))
        closed = i.done if (i.done or i.canceled) else None
        if gh:
            items.append({"number": number, "title": i.title, "state": "CLOSED" if closed else "OPEN",
                          "labels": [{"name": x} for x in i.labels], "assignees": [{"login": i.assignee}],
                          "createdAt": f"{i.created.isoformat()}T10:00:00Z",
                          "closedAt": f"{closed.isoformat()}T10:00:00Z" if closed else None,
                          "milestone": {"title": i.team} if i.team else None})
        else:
            items.append({"number": number, "title": i.title, "state": "closed" if closed else "open",
                          "state_reason": "not_planned" if i.canceled else ("completed" if closed else None),
                          "labels": [{"name": x} for x in i.labels], "assignees": [{"login": i.assignee}],
                          "user": {"login": "x", "email": "user@example.com"}, "body": f"SECRET-BODY {i.key}",
                          "created_at": f"{i.created.isoformat()}T10:00:00Z",
                          "closed_at": f"{closed.isoformat()}T10:00:00Z" if closed else None,
                          "milestone": {"title": i.team} if i.team else None})
    for k in range(prs):
        items.append({"number": 9000 + k, "title": "a pull request", "state": "closed", "labels": [],
                      "assignees": [], "created_at": "2026-04-02T10:00:00Z", "closed_at": "2026-04-03T10:00:00Z",
                      "pull_request": {"url": "https://api.github.com/x"}})
    return json.dumps(items, indent=1).encode("utf-8")
