"""Generate the Fernhill example's work-tracker exports (evidence/) for 2026-Q2 and 2026-Q3.

Deterministic: the same files on every run (a fixed seed, no clock). Three trackers, as the
company uses them, each in the shape the tracker exports:

- evidence/fernhill-jira.csv: Jira Cloud "export all fields" for Checkout (CHK) and Pricing (PAY),
  with repeated Labels columns, numeric Parent ids, quoted multi-line descriptions, a BOM and CRLF;
  three issues of a project no team owns (OPS: the `unmapped-team` lint shows them);
- evidence/fernhill-linear.csv: Linear's CSV for Data Platform and Developer Platform;
- evidence/fernhill-github.json: Product Operations' GitHub issues (the REST list shape).

Each team's measured split follows the `actual` it reports, with 4 % of the points matching no rule,
except Pricing in 2026-Q3: it reported 25 % growth bets and 35 % customer commitments, and its
tracker shows 45 % and 15 % (the `reported-vs-measured` lint and its page show the gap).

    python tools/fernhill_exports.py [DIR]      # writes evidence/ beside handbook/ (or DIR)
"""

from __future__ import annotations

import csv
import io
import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUARTERS = {"2026-Q2": (date(2026, 4, 1), date(2026, 6, 30)), "2026-Q3": (date(2026, 7, 1), date(2026, 9, 30))}
POINTS = 250  # per team and quarter; 10 of them (4 %) match no rule
# What each team's tracker shows (percent of points, before the 4 % uncategorised).
MEASURED = {
    "checkout": {"2026-Q2": {"growth-bets": 50, "keep-the-lights-on": 30, "customer-commitments": 10, "option-bets": 10},
                 "2026-Q3": {"growth-bets": 30, "keep-the-lights-on": 50, "customer-commitments": 10, "option-bets": 10}},
    "pricing": {"2026-Q2": {"growth-bets": 40, "customer-commitments": 30, "keep-the-lights-on": 20,
                            "security-and-compliance": 10},
                "2026-Q3": {"growth-bets": 45, "customer-commitments": 15, "keep-the-lights-on": 30,
                            "security-and-compliance": 10}},
    "data-platform": {"2026-Q2": {"platform-investment": 40, "keep-the-lights-on": 40, "growth-bets": 20},
                      "2026-Q3": {"platform-investment": 35, "keep-the-lights-on": 55, "growth-bets": 10}},
    "developer-platform": {"2026-Q2": {"platform-investment": 50, "keep-the-lights-on": 30,
                                       "security-and-compliance": 20},
                           "2026-Q3": {"platform-investment": 45, "keep-the-lights-on": 35,
                                       "security-and-compliance": 20}},
    "product-ops": {"2026-Q2": {"platform-investment": 55, "keep-the-lights-on": 45},
                    "2026-Q3": {"platform-investment": 30, "keep-the-lights-on": 40, "rebuilding-after-breakdown": 30}},
}
JIRA_TEAMS = {"checkout": "CHK", "pricing": "PAY"}
LINEAR_TEAMS = {"data-platform": "Data", "developer-platform": "Platform"}
PEOPLE = ["ana", "ben", "chen", "dara", "eli", "femi", "gus", "hana"]
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()  # Jira's, whatever the locale
WORDS = "order cart tax invoice refund retry webhook latency report export import cache index alert".split()


def _split(rng: random.Random, total: int) -> list[int]:
    sizes = []
    while total > 0:
        size = min(rng.choice((1, 2, 3, 5, 8)), total)
        sizes.append(size)
        total -= size
    return sizes


def _title(rng: random.Random) -> str:
    return f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {rng.choice(('fix', 'change', 'follow-up'))}"


def _work(rng: random.Random, team: str):
    """(quarter, category or None, points, resolved day) of every issue the team finished."""
    for quarter, split in MEASURED[team].items():
        start, end = QUARTERS[quarter]
        days = (end - start).days
        parts = [(c, share * (POINTS - 10) // 100) for c, share in split.items()] + [(None, 10)]
        for category, points in parts:
            for size in _split(rng, points):
                yield quarter, category, size, start + timedelta(days=rng.randrange(days))


def jira(rng: random.Random) -> bytes:
    header = (["Summary", "Issue key", "Issue id", "Issue Type", "Status", "Project key", "Priority", "Resolution",
               "Assignee", "Reporter", "Created", "Updated", "Resolved", "Labels", "Labels", "Component/s",
               "Sprint", "Sprint", "Description", "Custom field (Story Points)", "Parent", "Parent summary"])
    rows, ids = [], iter(range(10001, 99999))
    epics = {}
    for team, project in JIRA_TEAMS.items():
        # The growth bet is an epic with a label; its stories inherit its category.
        for n, title in enumerate(("One-step checkout" if project == "CHK" else "Usage-based pricing",), 1):
            key, iid = f"{project}-{n}", str(next(ids))
            epics[project] = (iid, title)
            rows.append([title, key, iid, "Epic", "In Progress", project, "High", "", "ana", "Rita", "01/Apr/26 9:00 AM",
                         "30/Sep/26 9:00 AM", "", "growth-bet", "", "", "", "", "The bet.", "", "", ""])
        n = 1
        for quarter, category, size, day in _work(rng, team):
            n += 1
            kind, labels, parent = "Story", ["", ""], ("", "")
            if category == "keep-the-lights-on":
                kind = rng.choice(("Bug", "Incident"))
            elif category == "security-and-compliance":
                labels = ["security", ""]
            elif category == "customer-commitments":
                labels = ["customer-commitment", "contract"]
            elif category == "option-bets":
                labels = ["experiment", ""]
            elif category == "growth-bets":
                parent = epics[project]
            elif category is None:
                kind = "Task"
            created = day - timedelta(days=rng.randrange(3, 30))
            stamp = lambda d: f"{d.day:02d}/{MONTHS[d.month - 1]}/{d.year % 100:02d} {rng.randrange(1, 12)}:{rng.randrange(60):02d} PM"
            rows.append([_title(rng), f"{project}-{n}", str(next(ids)), kind, "Done", project, "Medium", "Done",
                         rng.choice(PEOPLE), "Rita", stamp(created), stamp(day), stamp(day), *labels, "",
                         f"Sprint {day.isocalendar()[1] // 2}", "", "Steps:\n1. open the page,\n2. \"see\" it", str(size),
                         *parent])
        # A canceled issue counts nowhere.
        rows.append(["Dropped idea", f"{project}-{n + 1}", str(next(ids)), "Story", "Won't Do", project, "Low",
                     "Won't Do", "ben", "Rita", "02/May/26 10:00 AM", "03/May/26 10:00 AM", "03/May/26 10:00 AM",
                     "", "", "", "", "", "", "8", "", ""])
    for n in range(1, 4):  # a project no team owns
        rows.append([f"Office move {n}", f"OPS-{n}", str(next(ids)), "Task", "Done", "OPS", "Low", "Done", "gus",
                     "Rita", "01/Jun/26 9:00 AM", "02/Jun/26 9:00 AM", "02/Jun/26 9:00 AM", "", "", "", "", "", "",
                     "1", "", ""])
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode()


def linear(rng: random.Random) -> bytes:
    header = ["ID", "Team", "Title", "Description", "Status", "Estimate", "Priority", "Project", "Creator", "Assignee",
              "Labels", "Cycle Name", "Created", "Updated", "Started", "Completed", "Canceled", "Parent issue"]
    rows = []
    for team, name in LINEAR_TEAMS.items():
        prefix = name[:3].upper()
        for n, (quarter, category, size, day) in enumerate(_work(rng, team), 1):
            project, labels = "", ""
            if category == "platform-investment":
                project = "Warehouse migration" if team == "data-platform" else "Build pipeline"
            elif category == "keep-the-lights-on":
                labels = rng.choice(("Bug", "On-call, Bug"))
            elif category == "security-and-compliance":
                labels = "Security"
            elif category == "growth-bets":
                project = "Self-serve metrics"
            stamp = lambda d: f"{d.isoformat()}T{rng.randrange(8, 18):02d}:00:00.000Z"
            started = day - timedelta(days=rng.randrange(1, 10))
            rows.append([f"{prefix}-{n}", name, _title(rng), "Notes", "Done", str(size), "Medium", project,
                         "creator", rng.choice(PEOPLE), labels, f"Cycle {day.isocalendar()[1] // 2}",
                         stamp(started - timedelta(days=3)), stamp(day), stamp(started), stamp(day), "", ""])
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode()


def github(rng: random.Random) -> bytes:
    items = []
    for n, (quarter, category, size, day) in enumerate(_work(rng, "product-ops"), 1):
        label = {"platform-investment": "tooling", "keep-the-lights-on": "bug", "rebuilding-after-breakdown": "rebuild",
                 None: "question"}[category]
        # GitHub has no estimates: each issue weighs `unestimated` (1) point, so `size` issues are written.
        for k in range(size):
            items.append({"number": n * 10 + k, "title": _title(rng), "state": "closed", "state_reason": "completed",
                          "labels": [{"name": label}], "assignees": [{"login": rng.choice(PEOPLE)}],
                          "milestone": None, "created_at": f"{(day - timedelta(days=5)).isoformat()}T09:00:00Z",
                          "closed_at": f"{day.isoformat()}T17:00:00Z"})
    items.append({"number": 1, "title": "Bump a dependency", "state": "closed", "labels": [], "assignees": [],
                  "created_at": "2026-05-01T09:00:00Z", "closed_at": "2026-05-02T09:00:00Z",
                  "pull_request": {"url": "https://api.github.com/repos/fernhill/ops/pulls/1"}})
    return ("[\n" + ",\n".join(json.dumps(item) for item in items) + "\n]\n").encode()


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else ROOT / "evidence"
    out.mkdir(exist_ok=True)
    for name, make, seed in (("fernhill-jira.csv", jira, 1), ("fernhill-linear.csv", linear, 2),
                             ("fernhill-github.json", github, 3)):
        (out / name).write_bytes(make(random.Random(seed)))


if __name__ == "__main__":
    main()
