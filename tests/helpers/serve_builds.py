"""Build a project the way `mkdocs serve [--dirty]` does, applying edits between builds.

Usage: serve_builds.py CONFIG SITE_DIR DIRTY(0|1) EDITS_JSON
EDITS_JSON is a list of steps; each step a list of [path, old, new] replacements, applied before
one more build. Runs in its own process because MkDocs keeps plugin instances per process.
"""

import json
import sys
import time
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config

SERVE_URL = "http://127.0.0.1:8000/"


def main() -> None:
    config_file, site_dir, dirty, edits = sys.argv[1], sys.argv[2], sys.argv[3] == "1", json.loads(sys.argv[4])

    def config():
        loaded = load_config(config_file=config_file, site_dir=site_dir)
        loaded.site_url = SERVE_URL
        return loaded

    first = config()
    first.plugins.on_startup(command="serve", dirty=dirty)
    build(first, serve_url=SERVE_URL, dirty=dirty)
    for step in edits:
        for path, old, new in step:
            file = Path(path)
            text = file.read_text(encoding="utf-8")
            assert old in text, (path, old)
            file.write_text(text.replace(old, new, 1), encoding="utf-8")
        started = time.time()
        build(config(), serve_url=SERVE_URL, dirty=dirty)
        # For the tests: which pages the last build wrote.
        written = [p.relative_to(site_dir).as_posix() for p in Path(site_dir).rglob("*.html") if p.stat().st_mtime >= started]
        Path(site_dir, ".last-build.json").write_text(json.dumps(sorted(written)))
    first.plugins.on_shutdown()


if __name__ == "__main__":
    main()
