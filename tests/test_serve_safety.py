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


# --- C and D: a real `mkdocs serve` --------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, process: subprocess.Popen, port: int):
        self.process, self.base = process, f"http://127.0.0.1:{port}/"

    def get(self, path: str, timeout: float = 10) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=timeout) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def wait_for(self, path: str, text: str, limit: float = 60, absent: str | None = None) -> str:
        """The page once it contains `text` (and not `absent`); every request must answer within 10 s."""
        deadline = time.monotonic() + limit
        body = ""
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the server exited"
            try:
                status, body = self.get(path)
            except (ConnectionError, urllib.error.URLError):
                time.sleep(0.1)  # not listening yet
                continue
            if status == 200 and text in body and (absent is None or absent not in body):
                return body
            time.sleep(0.1)
        raise AssertionError(f"{path} never showed {text!r}; last answer: {body[:2000]}")


@contextmanager
def serving(project, *flags: str, env: dict | None = None):
    """`mkdocs serve` on a free loopback port; its log goes to `server.log`, a file (a pipe nobody
    reads could fill up and block the server)."""
    port = free_port()
    log = project.root / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", *flags, "-a", f"127.0.0.1:{port}",
                                    "-f", str(project.root / "mkdocs.yml")], cwd=project.root, env=env or ENV,
                                   stdout=subprocess.DEVNULL, stderr=out)
    server = Server(process, port)
    server.log = log
    try:
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


ERROR_MARK = "The handbook has problems"
PROSE = "Seeing working software beats reading about it"


@pytest.mark.parametrize("flags", [["--dirty"], []], ids=["dirty", "plain"])
def test_broken_edit_shows_an_error_page_and_recovers(project, flags):
    ritual = "handbook/rituals/demo-day.yaml"
    good = (project.root / ritual).read_text(encoding="utf-8")
    with serving(project, *flags) as server:
        server.wait_for("rituals/demo-day/", "<article")
        project.edit(ritual, "cadence:", "cadnce: weekly\ncadence:")  # an unknown field, line 9
        page = server.wait_for("rituals/demo-day/", ERROR_MARK)
        assert "handbook/rituals/demo-day.yaml:9:1" in page and "error[unknown-field]" in page
        assert "cadnce" in page and "hint:" in page.lower()
        assert PROSE not in page  # the file is not echoed, only the diagnostic
        assert "livereload" in page  # the server injected its script: the page reloads on the next build
        status, other = server.get("teams/checkout/")  # every page the browser may be on shows it, at once
        assert status == 200 and ERROR_MARK in other

        # HTML in a file name or in a message is shown as text.
        project.write("handbook/principles/x<script>alert(1)<b>.yaml", "name: x\n")
        project.edit(ritual, "cadnce: weekly", "'<script>alert(2)</script>': weekly")
        page = server.wait_for("rituals/demo-day/", "&lt;script&gt;alert(2)")  # the later of the two edits
        assert "&lt;script&gt;alert(1)" in page
        assert "<script>alert" not in page and "<b>" not in page

        (project.root / "handbook/principles/x<script>alert(1)<b>.yaml").unlink()
        (project.root / ritual).write_text(good.replace("summary: Teams show", "summary: Squads show"), encoding="utf-8")
        page = server.wait_for("rituals/demo-day/", "Squads show what shipped", absent=ERROR_MARK)
        assert PROSE in page and "<article" in page
        assert ERROR_MARK not in server.wait_for("teams/checkout/", "<article")
        assert ERROR_MARK not in server.wait_for("", "<article")


def test_serve_starts_on_a_broken_handbook(project):
    project.edit("handbook/teams/checkout.yaml", "  growth-bets: 55", "  growth-bet: 55")
    project.write("handbook/principles/broken.yaml", "name: [unclosed\n")  # not YAML at all
    with serving(project, "--dirty") as server:
        page = server.wait_for("", ERROR_MARK)
        assert "handbook/teams/checkout.yaml:" in page and "did you mean &#x27;growth-bets&#x27;?" in page
        assert "handbook/principles/broken.yaml:2:1" in page and "error[yaml-syntax]" in page
        assert ERROR_MARK in server.wait_for("teams/checkout/", ERROR_MARK)
        (project.root / "handbook/principles/broken.yaml").unlink()
        project.edit("handbook/teams/checkout.yaml", "  growth-bet: 55", "  growth-bets: 55")
        server.wait_for("teams/checkout/", "<article", absent=ERROR_MARK)
        assert ERROR_MARK not in server.wait_for("", "<article")


def test_build_still_fails_on_errors_and_names_them(project):
    project.edit("handbook/rituals/demo-day.yaml", "cadence:", "cadnce: weekly\ncadence:")
    result = project.mkdocs("build")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "handbook/rituals/demo-day.yaml:9:1: error[unknown-field]" in result.stderr
    assert not (project.root / "site").exists()


def test_sigterm_removes_the_temporary_folders(project, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tmpdir")
    with serving(project, "--dirty", env={**ENV, "TMPDIR": str(tmp)}) as server:
        server.wait_for("rituals/demo-day/", "<article")
        assert list(tmp.glob("handbook-preview-*"))  # the preview's page files: they exist while it runs
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=30) == 0
    assert "Traceback" not in server.log.read_text()
    assert list(tmp.glob("handbook-preview-*")) == []
    assert list(tmp.iterdir()) == []  # MkDocs' own site folder too
