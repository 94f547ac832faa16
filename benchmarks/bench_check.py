"""`handbook check` on N synthetic files, side by side with check-jsonschema on the same files.

Both run as fresh processes (as a user or CI runs them), in turns, each timed over --repeat runs
(median), by wall time and by CPU time (user + system), the steadier figure on a shared machine.
check-jsonschema validates each kind's files against the schema `handbook schema` exports; it
checks structure only, while `handbook check` also resolves references and runs the lints.

    python benchmarks/bench_check.py --n 10000 [--json]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from synth import generate  # noqa: E402

BIN = Path(sys.executable).parent
KIND_SCHEMA = {"principles": "principle", "rituals": "ritual", "interfaces": "interface", "funding": "funding", "teams": "team"}


def run_all(commands: list[list[str]]) -> tuple[float, float]:
    """Wall and CPU time (user + system of the child processes) of running `commands` one after another."""
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    for command in commands:
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode not in (0, 1):
            raise SystemExit(f"{command[0]} failed ({result.returncode}): {result.stderr[-2000:]}")
    wall = time.perf_counter() - start
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)


def timed_side_by_side(first: list[list[str]], second: list[list[str]], repeat: int) -> tuple[tuple, tuple]:
    """Medians of (wall, CPU) for each of two command lists, run in turns (first, second, first, …) so
    that a busy machine slows both alike; CPU time is the steadier figure where other work competes."""
    runs: tuple[list, list] = ([], [])
    for _ in range(repeat):
        for i, commands in enumerate((first, second)):
            runs[i].append(run_all(commands))
    return tuple((statistics.median(w for w, _ in r), statistics.median(c for _, c in r)) for r in runs)  # type: ignore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    args = parser.parse_args()
    if not shutil.which("check-jsonschema", path=str(BIN)) and not shutil.which("check-jsonschema"):
        raise SystemExit("check-jsonschema is not installed: pip install -e '.[bench]'")
    jsonschema_bin = shutil.which("check-jsonschema", path=str(BIN)) or shutil.which("check-jsonschema")

    with tempfile.TemporaryDirectory() as tmp:
        root = generate(args.n, Path(tmp))
        schemas = Path(tmp) / "schemas"
        subprocess.run([str(BIN / "handbook"), "schema", "--out", str(schemas)], check=True, capture_output=True)
        per_kind = [[jsonschema_bin, "--schemafile", str(schemas / f"{schema}.schema.json"),
                     *sorted(str(p) for p in (root / kind).glob("*.yaml"))] for kind, schema in KIND_SCHEMA.items()]
        (check_s, check_cpu), (jsonschema_s, jsonschema_cpu) = timed_side_by_side(
            [[str(BIN / "handbook"), "check", str(root)]], per_kind, args.repeat)

    result = {"n": args.n, "check_s": round(check_s, 3), "check_jsonschema_s": round(jsonschema_s, 3),
              "check_jsonschema_over_check": round(jsonschema_s / check_s, 2),
              "check_cpu_s": round(check_cpu, 3), "check_jsonschema_cpu_s": round(jsonschema_cpu, 3),
              "check_jsonschema_over_check_cpu": round(jsonschema_cpu / check_cpu, 2),
              "python": platform.python_version(), "cpus": __import__("os").cpu_count()}
    print(f"handbook check      {args.n:>6} files: {check_s:6.2f} s wall, {check_cpu:6.2f} s CPU (medians of "
          f"{args.repeat}, in turns)")
    print(f"check-jsonschema    {args.n:>6} files: {jsonschema_s:6.2f} s wall ({result['check_jsonschema_over_check']}x), "
          f"{jsonschema_cpu:6.2f} s CPU ({result['check_jsonschema_over_check_cpu']}x)")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
