"""The engines side by side on one synthetic handbook: build times and edit-to-served latency.

For each N, in one run, on the same project (benchmarks/synth.py):
  (a) mkdocs:        this project's `mkdocs build` (the plugin generates the pages): the baseline;
  (b) properdocs:    `properdocs build` of the same project (the same plugin, ProperDocs' fork of MkDocs);
  (c) zensical cold: `handbook build --engine zensical` with no stage and no Zensical cache
                     (render into .handbook/stage/, `zensical build`, copy into the site folder);
  (d) zensical warm: the same again, the stage and Zensical's cache in place, after a one-line edit;
  (e) edit -> served for each engine's preview: `mkdocs serve --dirty`, `properdocs serve --dirty`,
      `handbook serve --engine zensical`: seconds from writing one ritual's YAML until its page is
      served with the new text (median of --edits edits).
Ratios are against (a), measured in the same run. Only loopback traffic (127.0.0.1).

    python benchmarks/bench_engines.py --n 100 1000 [--edits 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_build import BIN, ENV, project, run_measured  # noqa: E402
from bench_serve import free_port, wait_for  # noqa: E402


def edit_ritual(ritual: Path, token: str) -> None:
    text = ritual.read_text(encoding="utf-8")
    lines = [f"summary: {json.dumps(token)}" if line.startswith("summary:") else line for line in text.split("\n")]
    ritual.write_text("\n".join(lines), encoding="utf-8")


def serve_latency(command: list[str], cwd: Path, ritual: Path, port: int, edits: int) -> tuple[float, list[float]]:
    """Seconds until the first page is served, and edit -> served for each edit."""
    server = subprocess.Popen(command, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    url = f"http://127.0.0.1:{port}/rituals/{ritual.stem}/"
    try:
        started = time.perf_counter()
        first = wait_for(url, "<html", started)
        time.sleep(1.0)  # let a server finish what it does after its first page (Zensical builds on)
        latencies = []
        for i in range(edits):
            token = f"benchmark-edit-{i}-{time.time_ns()}"
            started = time.perf_counter()
            edit_ritual(ritual, token)
            latencies.append(wait_for(url, token, started))
            time.sleep(0.5)  # let the watcher settle between edits
        return first, latencies
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(server.pid, sig)
                server.wait(timeout=30)
                break
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue


def measure(n: int, edits: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        config = project(tmp / "project", n)
        root = config.parent
        ritual = sorted((root / "handbook" / "rituals").glob("*.yaml"))[0]
        mkdocs_s, mkdocs_mb = run_measured([str(BIN / "mkdocs"), "build", "-q", "-f", str(config), "-d", str(tmp / "a")], tmp)
        properdocs_s, _ = run_measured([str(BIN / "properdocs"), "build", "-q", "-f", str(config), "-d", str(tmp / "b")], tmp)
        zensical = [str(BIN / "handbook"), "build", "--engine", "zensical", "--config", str(config),
                    "--site-dir", str(tmp / "c")]
        shutil.rmtree(root / ".handbook", ignore_errors=True)
        cold_s, cold_mb = run_measured(zensical, root)
        edit_ritual(ritual, "warm build edit")
        warm_s, _ = run_measured(zensical, root)

        served = {}
        for name, command in [
            ("mkdocs", [str(BIN / "mkdocs"), "serve", "--dirty", "-f", str(config)]),
            ("properdocs", [str(BIN / "properdocs"), "serve", "--dirty", "-f", str(config)]),
            ("zensical", [str(BIN / "handbook"), "serve", "--engine", "zensical", "--config", str(config)]),
        ]:
            port = free_port()
            first, latencies = serve_latency([*command, "-a", f"127.0.0.1:{port}"], root, ritual, port, edits)
            served[name] = {"first_page_s": round(first, 2), "edit_to_served_s_median": round(statistics.median(latencies), 3),
                            "edit_to_served_s_all": [round(x, 3) for x in latencies]}
    ratio = lambda s: round(s / mkdocs_s, 2)  # noqa: E731
    return {"n": n, "mkdocs_s": round(mkdocs_s, 2), "mkdocs_peak_rss_mb": round(mkdocs_mb),
            "properdocs_s": round(properdocs_s, 2), "properdocs_over_mkdocs": ratio(properdocs_s),
            "zensical_cold_s": round(cold_s, 2), "zensical_cold_over_mkdocs": ratio(cold_s),
            "zensical_cold_peak_rss_mb": round(cold_mb),
            "zensical_warm_s": round(warm_s, 2), "zensical_warm_over_mkdocs": ratio(warm_s),
            "serve": served}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    args = parser.parse_args()
    rows = []
    for n in args.n:
        row = measure(n, args.edits)
        rows.append(row)
        s = row["serve"]
        print(f"n={n:>5}  mkdocs {row['mkdocs_s']:6.2f} s  properdocs {row['properdocs_s']:6.2f} s "
              f"({row['properdocs_over_mkdocs']}x)  zensical cold {row['zensical_cold_s']:6.2f} s "
              f"({row['zensical_cold_over_mkdocs']}x)  warm {row['zensical_warm_s']:6.2f} s ({row['zensical_warm_over_mkdocs']}x)"
              f"  | edit->served: mkdocs {s['mkdocs']['edit_to_served_s_median']} s, properdocs "
              f"{s['properdocs']['edit_to_served_s_median']} s, zensical {s['zensical']['edit_to_served_s_median']} s",
              flush=True)
    if args.json:
        summary = dict(rows[-1])
        summary.update(runs=rows, python=platform.python_version(), cpus=os.cpu_count(),
                       zensical=_version("zensical"), properdocs=_version("properdocs"), mkdocs=_version("mkdocs"))
        print(json.dumps(summary))


def _version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(name)
    except PackageNotFoundError:
        return None


if __name__ == "__main__":
    main()
