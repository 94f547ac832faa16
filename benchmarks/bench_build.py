"""Build time and memory of a synthetic handbook, side by side with two baselines.

For each N, in one run:
  (a) build: this project's `mkdocs build` of the synthetic handbook (the plugin generates pages);
  (b) floor: plain `mkdocs build` of the same rendered Markdown written out as ordinary files,
      with the same nav (`handbook export`): what MkDocs + Material cost without us;
  (c) naive: the same files with every entity listed in the nav, as mkdocs-gen-files with a
      default nav would give.
Each build runs in its own process; peak memory is that process's maximum resident set size.
With --trivial, also (d): the floor's files with every page body cut to a heading and a line:
what MkDocs + Material cost per page whatever the content.

    python benchmarks/bench_build.py --n 100 1000 5000 [--json] [--no-naive-above 1000] [--trivial]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from synth import generate  # noqa: E402

BIN = Path(sys.executable).parent
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def run_measured(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr[-3000:]}")
    return elapsed, usage.ru_maxrss / 1024


def project(tmp: Path, n: int, custom_kinds: int = 0) -> Path:
    """A project like the shipped one, with the synthetic handbook and the shipped templates."""
    generate(n, tmp, custom_kinds=custom_kinds)
    (tmp / "docs").mkdir(exist_ok=True)
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("templates_dir: templates", f"templates_dir: {REPO / 'templates'}")
    (tmp / "mkdocs.yml").write_text(config + "\n# benchmark copy\n", encoding="utf-8")
    (tmp / "docs" / "about.md").write_text("# About\n\nA synthetic handbook.\n", encoding="utf-8")
    return tmp / "mkdocs.yml"


def trivialise(docs: Path) -> None:
    """Keep each page's front matter (title, tags), replace its body by a heading and a line."""
    for page in docs.rglob("*.md"):
        parts = page.read_text(encoding="utf-8").split("---\n", 2)
        front = f"---\n{parts[1]}---\n" if len(parts) == 3 and not parts[0] else ""
        page.write_text(f"{front}\n# Page\n\nA line of text.\n", encoding="utf-8")


def measure(n: int, naive: bool, trivial: bool = False, custom_kinds: int = 0) -> dict:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        config = project(tmp / "project", n, custom_kinds)
        build_s, build_mb = run_measured([str(BIN / "mkdocs"), "build", "-q", "-f", str(config), "-d", str(tmp / "a")], tmp)
        subprocess.run([str(BIN / "handbook"), "export", str(tmp / "floor"), "--config", str(config)],
                       check=True, capture_output=True, env=ENV)
        floor_s, floor_mb = run_measured([str(BIN / "mkdocs"), "build", "-q", "-f", str(tmp / "floor" / "mkdocs.yml"),
                                          "-d", str(tmp / "b")], tmp)
        result = {"n": n, "build_s": round(build_s, 2), "floor_s": round(floor_s, 2),
                  "peak_rss_mb": round(build_mb), "floor_peak_rss_mb": round(floor_mb),
                  "build_over_floor": round(build_s / floor_s, 3),
                  "build_ms_per_entity": round(1000 * build_s / n, 2)}
        if naive:
            subprocess.run([str(BIN / "handbook"), "export", str(tmp / "naive"), "--config", str(config),
                            "--nav-threshold", str(10 ** 9)], check=True, capture_output=True, env=ENV)
            naive_s, naive_mb = run_measured([str(BIN / "mkdocs"), "build", "-q", "-f",
                                              str(tmp / "naive" / "mkdocs.yml"), "-d", str(tmp / "c")], tmp)
            result.update(naive_s=round(naive_s, 2), naive_peak_rss_mb=round(naive_mb),
                          naive_over_build=round(naive_s / build_s, 2))
        else:
            result.update(naive_s=None, naive_over_build=None)
        if trivial:
            trivialise(tmp / "floor" / "docs")
            trivial_s, _ = run_measured([str(BIN / "mkdocs"), "build", "-q", "-f", str(tmp / "floor" / "mkdocs.yml"),
                                         "-d", str(tmp / "d")], tmp)
            result.update(trivial_s=round(trivial_s, 2))
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--no-naive-above", type=int, default=None,
                        help="skip the (quadratic) naive baseline above this N")
    parser.add_argument("--trivial", action="store_true",
                        help="also build the floor with every page body cut to a line (MkDocs' cost per page)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    parser.add_argument("--custom-kinds", type=int, default=0,
                        help="a third of the entities in this many kinds of a handbook's own model (up to 5)")
    args = parser.parse_args()
    rows = []
    for n in args.n:
        naive = args.no_naive_above is None or n <= args.no_naive_above
        row = measure(n, naive, args.trivial, args.custom_kinds)
        rows.append(row)
        naive_text = f"naive {row['naive_s']:7.2f} s  naive/build {row['naive_over_build']:5.2f}" if naive else "naive skipped"
        print(f"n={n:>6}  build {row['build_s']:7.2f} s ({row['build_ms_per_entity']} ms/entity, "
              f"{row['peak_rss_mb']} MiB)  floor {row['floor_s']:7.2f} s  build/floor {row['build_over_floor']:5.3f}  "
              f"{naive_text}" + (f"  trivial {row['trivial_s']:7.2f} s" if args.trivial else ""), flush=True)
    if args.json:
        summary = dict(rows[-1])
        summary.update(runs=rows, python=platform.python_version(), cpus=os.cpu_count())
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
