"""Measured allocation at scale: N Jira rows (default 1,000,000) read, classified and aggregated by
the evidence readers, as a ratio against one plain `csv.reader` pass over the same file in the same
run, and the peak memory of the measuring process.

The file is a Jira Cloud "export all fields" (repeated Labels and Component/s columns, numeric
Parent ids, quoted multi-line descriptions, CRLF, a BOM), two quarters, ten projects mapped to ten
teams, epics with children, bugs, labels, canceled issues; the rules are eight, like a real model.
Each side runs as a fresh process (its peak RSS from `wait4`), the baseline first, --repeat times
(median).

    nice python benchmarks/bench_evidence.py --rows 1000000 [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

PROJECTS = ["PAY", "CHK", "DAT", "DEV", "FIN", "OPS", "SUP", "WEB", "MOB", "SEC"]
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
HEADER = (["Summary", "Issue key", "Issue id", "Issue Type", "Status", "Project key", "Priority", "Resolution",
           "Assignee", "Reporter", "Created", "Updated", "Resolved", "Labels", "Labels", "Labels", "Component/s",
           "Component/s", "Sprint", "Sprint", "Description", "Custom field (Story Points)", "Parent", "Parent summary"])
RULES = """
evidence:
  sources:
    - path: jira.csv
      team: {column: Project key, map: {PAY: t0, CHK: t1, DAT: t2, DEV: t3, FIN: t4, OPS: t5, SUP: t6, WEB: t7, MOB: t8, SEC: t9}}
  categories:
    - {category: ktlo, types: [Bug, Incident]}
    - {category: ktlo, labels: [on-call]}
    - {category: security, labels: [security, compliance]}
    - {category: commitments, labels: [customer]}
    - {category: options, labels: [experiment]}
    - {category: platform, components: [Platform, Build]}
    - {category: growth, parents: [PAY-1, CHK-1, DAT-1]}
    - {category: growth, labels: [growth-bet]}
  effort: points
  unestimated: 1
"""


def write_export(path: Path, rows: int, seed: int = 23) -> None:
    rng = random.Random(seed)
    start = date(2026, 4, 1)
    stamps = []
    for d in range(183):
        day = start + timedelta(days=d)
        stamps.append(f"{day.day:02d}/{MONTHS[day.month - 1]}/{day.year % 100:02d} {rng.randrange(1, 12)}:"
                      f"{rng.randrange(60):02d} PM")
    labels = ["", "", "", "security", "customer", "experiment", "on-call", "growth-bet", "misc"]
    types = ["Story", "Story", "Story", "Task", "Bug", "Incident", "Sub-task"]
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(HEADER)
        epics: dict[str, list[str]] = {p: [] for p in PROJECTS}
        for n in range(1, rows + 1):
            project = PROJECTS[n % len(PROJECTS)]
            key, iid = f"{project}-{n}", str(10000 + n)
            if n % 500 < len(PROJECTS):  # an epic now and then (one issue in fifty)
                epics[project].append(iid)
                w.writerow([f"Epic {n}", key, iid, "Epic", "In Progress", project, "High", "", "ana", "rita",
                            stamps[rng.randrange(30)], stamps[-1], "", rng.choice(labels), "", "", "", "", "", "",
                            "An epic.", "", "", ""])
                continue
            status = rng.choice(("Done", "Done", "Done", "Done", "In Progress", "Won't Do"))
            d = rng.randrange(183)
            parent = rng.choice(epics[project]) if epics[project] and rng.random() < 0.6 else ""
            w.writerow([f"Issue {n} summary text", key, iid, rng.choice(types), status, project, "Medium",
                        "Won't Do" if status == "Won't Do" else ("Done" if status == "Done" else ""),
                        f"person{rng.randrange(200)}", "rita", stamps[max(0, d - 10)], stamps[d],
                        stamps[d] if status != "In Progress" else "", rng.choice(labels), rng.choice(labels), "",
                        rng.choice(("", "", "Platform", "Build", "Web")), "", f"Sprint {d // 14}", "",
                        "Steps:\n1. do this,\n2. \"then\" that" if n % 7 == 0 else "Short text.",
                        rng.choice(("", "1", "2", "3", "5", "8")), parent, f"Epic {parent}" if parent else ""])


# Each process prints the seconds its work took (imports excluded) and a count that proves the work.
BASELINE = """
import csv, sys, time
start = time.perf_counter()
n = 0
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    for row in csv.reader(f):
        n += 1
print(time.perf_counter() - start, n)
"""

MEASURED = """
import sys
from pathlib import Path
from generator.evidence import measure, PeriodSpan
from generator.evidence.declare import EvidenceDecl
import yaml, datetime, time
decl = EvidenceDecl.model_validate(yaml.safe_load(Path(sys.argv[2]).read_text())["evidence"])
periods = [PeriodSpan("2026-Q2", datetime.date(2026, 4, 1), datetime.date(2026, 6, 30)),
           PeriodSpan("2026-Q3", datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))]
start = time.perf_counter()
found, diags = measure(decl, Path(sys.argv[1]), periods, {f"t{i}" for i in range(10)}, lambda loc: ("m", 0, 0))
assert found is not None, [d.format_text() for d in diags]
print(time.perf_counter() - start, sum(c.items for c in found.cells.values()))
"""


def run(code: str, *args: str) -> tuple[float, int, str]:
    """Wall time, peak RSS (KiB) and output of a fresh Python process."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out, err = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {err[-2000:]}")
    return wall, usage.ru_maxrss, out.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_export(root / "jira.csv", args.rows)
        (root / "model.yaml").write_text(RULES)
        base, meas, rss_base, rss_meas, walls = [], [], 0, 0, []
        for _ in range(args.repeat):
            wall, rss, out = run(BASELINE, str(root / "jira.csv"))
            base.append(float(out.split()[0]))
            rss_base = max(rss_base, rss)
            wall, rss, out = run(MEASURED, str(root), str(root / "model.yaml"))
            meas.append(float(out.split()[0]))
            walls.append(wall)
            items = out.split()[1]
            rss_meas = max(rss_meas, rss)
        size = (root / "jira.csv").stat().st_size
    b, m = statistics.median(base), statistics.median(meas)
    result = {"rows": args.rows, "file_mib": round(size / 2**20, 1), "csv_reader_s": round(b, 2),
              "measure_s": round(m, 2), "ratio": round(m / b, 2),
              "measure_process_s": round(statistics.median(walls), 2), "peak_rss_mib": round(rss_meas / 1024, 1),
              "baseline_rss_mib": round(rss_base / 1024, 1), "issues_counted": int(items)}
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>18}: {v}")
        print(f"goal: ratio <= 2.5 ({'met' if m / b <= 2.5 else 'NOT met'}), "
              f"peak RSS <= 300 MiB ({'met' if rss_meas / 1024 <= 300 else 'NOT met'})")


if __name__ == "__main__":
    main()
