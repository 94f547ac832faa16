"""The worst inputs that fit under the file-size limit (issue 21), each timed side by side with the
same command on a handbook holding the same number of plain files instead.

On a synthetic handbook of N entities (synth.py), K files are added, each just under 512 KiB:

  links       K files of ~33,000 valid `[[…]]` links each (beyond the per-file limit): `handbook check`
  at-limit    K files of 1,000 valid links each (the limit): `mkdocs build`
  broken      K files of ~45,000 links naming nothing: `handbook check --format github` (and its lines)
  history     a commit that rewrites K texts of 40,000 words: `mkdocs build` (the Changes page)
              and `handbook diff HEAD~1 HEAD`

The baseline of each is the same command where the K files hold a few sentences of prose (and, for
history, a commit that rewrites those). Single runs; the ratio is what to compare.

    python benchmarks/bench_hostile.py --n 200 --files 8 [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_build import project  # noqa: E402

BIN = Path(sys.executable).parent
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
HEAD = "name: Extra {i}\nstatement: s\nin_practice: [p]\nowner: team-00000\nlast_reviewed: 2026-08-01\nwhy: |\n  "
PLAIN = "Plain prose about how a team works, with a [[team-00000]] link. " * 4


def run(command: list[str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=1800)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}")
    return elapsed, done.stdout


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.org", *args], cwd=cwd,
                   check=True, capture_output=True)


def setup(tmp: Path, n: int, files: int, body) -> Path:
    """A project of N synthetic entities plus `files` principles whose `why` is body(i)."""
    config = project(tmp, n)
    for i in range(files):
        (tmp / "handbook" / "principles" / f"extra-{i}.yaml").write_text(HEAD.format(i=i) + body(i) + "\n",
                                                                        encoding="utf-8")
    return config


def pair(n: int, files: int, body, command) -> dict:
    """`command(root, config)` on the hostile project and on the plain one."""
    out = {}
    for label, text in (("hostile", body), ("plain", lambda i: PLAIN)):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            config = setup(root, n, files, text)
            out[label] = command(root, config)
    return out


def history(n: int, files: int, words: int) -> dict:
    out = {}
    for label, size in (("hostile", words), ("plain", 12)):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            text = [f"w{i % 97}" for i in range(size)]
            config = setup(root, n, files, lambda i: " ".join(text))
            git(root, "init", "-q")
            git(root, "add", "-A")
            git(root, "commit", "-qm", "long texts")
            for i in range(files):
                path = root / "handbook" / "principles" / f"extra-{i}.yaml"
                path.write_text(path.read_text(encoding="utf-8").replace(" ".join(text), " ".join(reversed(text))),
                                encoding="utf-8")
            git(root, "commit", "-qam", "rewrite them")
            build_s, _ = run([str(BIN / "mkdocs"), "build", "-q", "-f", str(config), "-d", str(root / "site")], root)
            diff_s, diff_out = run([str(BIN / "handbook"), "diff", "HEAD~1", "HEAD"], root)
            out[label] = {"build_s": build_s, "diff_s": diff_s,
                          "too_long": diff_out.count("too long to show word by word")}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    args = parser.parse_args()
    if shutil.which("git") is None:
        raise SystemExit("git is needed for the history case")

    def check(fmt: str = "text"):
        def command(root: Path, config: Path) -> dict:
            seconds, stdout = run([str(BIN / "handbook"), "check", "--format", fmt], root)
            return {"s": seconds, "lines": len(stdout.splitlines())}
        return command

    def build(root: Path, config: Path) -> dict:
        seconds, _ = run([str(BIN / "mkdocs"), "build", "-q", "-f", str(config), "-d", str(root / "site")], root)
        return {"s": seconds}

    results = {
        "links": pair(args.n, args.files, lambda i: " ".join(["[[team-00000]]"] * 33_000), check()),
        "at-limit": pair(args.n, args.files, lambda i: " ".join(["[[team-00000]]"] * 1_000), build),
        "broken": pair(args.n, args.files, lambda i: " ".join(["[[nobody]]"] * 45_000), check("github")),
        "history": history(args.n, args.files, 40_000),
    }
    print(f"N={args.n} entities + {args.files} files ({platform.python_version()}, {platform.machine()})")
    print(f"{'case':10} {'hostile':>10} {'plain':>10} {'ratio':>7}  notes")
    for case in ("links", "at-limit", "broken"):
        h, p = results[case]["hostile"], results[case]["plain"]
        notes = f"{h['lines']} output lines (plain {p['lines']})" if "lines" in h else ""
        print(f"{case:10} {h['s']:9.2f}s {p['s']:9.2f}s {h['s'] / p['s']:7.2f}  {notes}")
    h, p = results["history"]["hostile"], results["history"]["plain"]
    print(f"{'hist build':10} {h['build_s']:9.2f}s {p['build_s']:9.2f}s {h['build_s'] / p['build_s']:7.2f}")
    print(f"{'hist diff':10} {h['diff_s']:9.2f}s {p['diff_s']:9.2f}s {h['diff_s'] / p['diff_s']:7.2f}  "
          f"{h['too_long']} texts too long to diff word by word")
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
