"""Edit-to-preview latency: edit one YAML file under a running `mkdocs serve` and time until the
changed page is served with the new text. Beside it, the time of a full `mkdocs build`.

Only loopback traffic: the server listens on 127.0.0.1 and every poll is bounded in count and time.

    python benchmarks/bench_serve.py --n 1000 --edits 5 [--json] [--dirty]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_build import BIN, ENV, project, run_measured  # noqa: E402

POLL_S = 0.02
TIMEOUT_S = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            return response.read().decode("utf-8", "replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for(url: str, text: str, started: float) -> float:
    """Seconds from `started` until `url` serves a page containing `text` (bounded)."""
    for _ in range(int(TIMEOUT_S / POLL_S)):
        body = fetch(url)
        if body is not None and text in body:
            return time.perf_counter() - started
        time.sleep(POLL_S)
    raise SystemExit(f"{url} never showed {text!r} within {TIMEOUT_S} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--dirty", action="store_true", help="run `mkdocs serve --dirty`")
    parser.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        config = project(tmp / "project", args.n)
        full_rebuild_s, _ = run_measured([str(BIN / "mkdocs"), "build", "-q", "-f", str(config), "-d", str(tmp / "full")], tmp)
        port = free_port()
        command = [str(BIN / "mkdocs"), "serve", "-f", str(config), "-a", f"127.0.0.1:{port}"]
        command += ["--dirty"] if args.dirty else []
        server = subprocess.Popen(command, cwd=tmp, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            ritual = sorted((tmp / "project" / "handbook" / "rituals").glob("*.yaml"))[0]
            url = f"http://127.0.0.1:{port}/rituals/{ritual.stem}/"
            interface = sorted((tmp / "project" / "handbook" / "interfaces").glob("*.yaml"))[0]
            wait_for(url, "<html", time.perf_counter())  # the first build
            latencies = []
            for i in range(args.edits):
                token = f"benchmark-edit-{i}-{time.time_ns()}"
                text = ritual.read_text(encoding="utf-8")
                lines = [f"summary: {json.dumps(token)}" if line.startswith("summary:") else line for line in text.split("\n")]
                started = time.perf_counter()
                ritual.write_text("\n".join(lines), encoding="utf-8")
                latencies.append(wait_for(url, token, started))
                time.sleep(0.5)  # let the watcher settle between edits
            # Reverse links reflect the edit too: the interface page lists the ritual's new inputs.
            text = ritual.read_text(encoding="utf-8")
            lines = [f"inputs: [{interface.stem}]" if line.startswith("inputs:") else line for line in text.split("\n")]
            ritual.write_text("\n".join(lines), encoding="utf-8")
            wait_for(f"http://127.0.0.1:{port}/interfaces/{interface.stem}/", f'href="../../rituals/{ritual.stem}/"',
                     time.perf_counter())
        finally:
            server.terminate()
            server.wait(timeout=30)

    result = {"n": args.n, "edits": args.edits, "dirty": args.dirty,
              "edit_to_served_s_median": round(statistics.median(latencies), 3),
              "edit_to_served_s_all": [round(x, 3) for x in latencies], "full_rebuild_s": round(full_rebuild_s, 2),
              "cpus": os.cpu_count()}
    print(f"n={args.n}: edit to served {result['edit_to_served_s_median']} s median over {args.edits} edits "
          f"({', '.join(map(str, result['edit_to_served_s_all']))}); full build {result['full_rebuild_s']} s")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
