"""`handbook check` on N synthetic files, side by side with check-jsonschema on the same files.

Both run as fresh processes (as a user or CI runs them), each timed over --repeat runs (median).
check-jsonschema validates each kind's files against the schema `handbook schema` exports; it
checks structure only, while `handbook check` also resolves references and runs the lints.

    python benchmarks/bench_check.py --n 10000 [--json]
"""

from __future__ import annotations

import argparse
import json
import platform
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


def timed(commands: list[list[str]], repeat: int) -> float:
    """Median wall time of running all `commands` one after another."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for command in commands:
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode not in (0, 1):
                raise SystemExit(f"{command[0]} failed ({result.returncode}): {result.stderr[-2000:]}")
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


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
        check_s = timed([[str(BIN / "handbook"), "check", str(root)]], args.repeat)
        per_kind = [[jsonschema_bin, "--schemafile", str(schemas / f"{schema}.schema.json"),
                     *sorted(str(p) for p in (root / kind).glob("*.yaml"))] for kind, schema in KIND_SCHEMA.items()]
        jsonschema_s = timed(per_kind, args.repeat)

    result = {"n": args.n, "check_s": round(check_s, 3), "check_jsonschema_s": round(jsonschema_s, 3),
              "check_jsonschema_over_check": round(jsonschema_s / check_s, 2),
              "python": platform.python_version(), "cpus": __import__("os").cpu_count()}
    print(f"handbook check      {args.n:>6} files: {check_s:6.2f} s (median of {args.repeat})")
    print(f"check-jsonschema    {args.n:>6} files: {jsonschema_s:6.2f} s ({result['check_jsonschema_over_check']}x)")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
