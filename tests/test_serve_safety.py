"""What a failed build or a stopped server leaves behind: the previous site after a page
collision, an error page instead of a stuck preview, no temporary folders after SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager

import pytest

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


# --- A: a docs page that collides with a generated page ---------------------------------------------

COLLIDING = ["docs/rituals/index.md", "docs/map.md", "docs/rituals/weekly-business-review.md",
             "docs/rituals/weekly-business-review/index.md"]  # the last: same URL, other source name


def test_collision_fails_the_build_before_the_old_site_is_cleaned(project):
    result = project.mkdocs("build")
    assert result.returncode == 0, result.stderr
    site = project.root / "site"
    before = project.snapshot("site")
    assert len(before) > 100
    for rel in COLLIDING:
        project.write(rel, "# mine\n")
        result = project.mkdocs("build")
        assert result.returncode == 1, rel
        assert "Traceback" not in result.stderr
        assert rel in result.stderr and "collides with the generated page" in result.stderr, result.stderr
        assert "rename or remove it" in result.stderr  # the hint
        assert project.snapshot("site") == before, rel  # MkDocs had not cleaned site_dir yet
        (project.root / rel).unlink()
    assert (site / "rituals" / "index.html").is_file()


def test_excluded_docs_files_do_not_collide(project):
    project.write("docs/rituals/.index.md", "# hidden\n")  # dot-files are never part of the site
    project.write("docs/map.md", "# mine\n")
    project.write("mkdocs.yml", (project.root / "mkdocs.yml").read_text(encoding="utf-8")
                  + "exclude_docs: |\n  /map.md\n")
    result = project.mkdocs("build")
    assert result.returncode == 0, result.stderr
