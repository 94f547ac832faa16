"""Build a project the way `mkdocs serve [--dirty]` does, applying edits between builds.

Usage: serve_builds.py CONFIG SITE_DIR DIRTY(0|1) EDITS_JSON [--snapshots]
EDITS_JSON is a list of steps, each applied before one more build. A step is a list of edits:

    [path, old, new]          replace the first `old` in the file with `new` (also ["replace", path, old, new])
    ["write", path, text]     create or overwrite the file
    ["delete", path]          remove the file
    ["move", old, new]        rename or move the file

With --snapshots, the site after build i (0: the first, before any edit) is copied to SITE_DIR-i.
Runs in its own process because MkDocs keeps plugin instances per process.
"""

import json
import shutil
import sys
import time
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config

SERVE_URL = "http://127.0.0.1:8000/"
OPS = {"replace": 4, "write": 3, "delete": 2, "move": 3}


def apply(edit: list) -> None:
    if not (edit and edit[0] in OPS and len(edit) == OPS[edit[0]]):
        edit = ["replace", *edit]  # the original format: [path, old, new]
    op, path, *args = edit
    file = Path(path)
    if op == "replace":
        old, new = args
        text = file.read_text(encoding="utf-8")
        assert old in text, (path, old)
        file.write_text(text.replace(old, new, 1), encoding="utf-8")
    elif op == "write":
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(args[0], encoding="utf-8")
    elif op == "delete":
        file.unlink()
    else:  # move
        target = Path(args[0])
        target.parent.mkdir(parents=True, exist_ok=True)
        file.rename(target)


def main() -> None:
    config_file, site_dir, dirty, edits = sys.argv[1], sys.argv[2], sys.argv[3] == "1", json.loads(sys.argv[4])
    snapshots = "--snapshots" in sys.argv[5:]

    def config():
        loaded = load_config(config_file=config_file, site_dir=site_dir)
        loaded.site_url = SERVE_URL
        return loaded

    def snapshot(i: int) -> None:
        if snapshots:
            shutil.copytree(site_dir, f"{site_dir}-{i}")

    first = config()
    first.plugins.on_startup(command="serve", dirty=dirty)
    build(first, serve_url=SERVE_URL, dirty=dirty)
    snapshot(0)
    for i, step in enumerate(edits, 1):
        for edit in step:
            apply(edit)
        time.sleep(0.01)  # modification times must tell this step's files from the last build's output
        started = time.time()
        build(config(), serve_url=SERVE_URL, dirty=dirty)
        # For the tests: which pages the last build wrote.
        written = [p.relative_to(site_dir).as_posix() for p in Path(site_dir).rglob("*.html") if p.stat().st_mtime >= started]
        Path(site_dir, ".last-build.json").write_text(json.dumps(sorted(written)))
        snapshot(i)
    first.plugins.on_shutdown()


if __name__ == "__main__":
    main()
