"""The packaging test: the wheel alone makes a handbook project.

Builds the wheel, installs it into a fresh virtualenv outside the repository (no site packages,
no editable install, no source tree on the path), runs `handbook init`, the new project's own CI
steps, `mkdocs build --strict` and `properdocs build --strict`, then overrides one block of one
template and checks that exactly that page changed. About 30-60 s, most of it pip installing the
dependencies (from its cache when it has them). Run alone with `pytest -m packaging`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.packaging


def sh(args: list[str], cwd: Path, env: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(map(str, args))}\n{result.stdout}\n{result.stderr}"
    return result


def html_pages(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*.html")}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict, Path]:
    work = tmp_path_factory.mktemp("packaging")
    assert REPO not in work.parents
    dist = work / "dist"
    sh([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(REPO)], work,
       dict(os.environ))
    [wheel] = dist.glob("handbook_generator-*.whl")
    venv = work / "venv"
    sh([sys.executable, "-m", "venv", str(venv)], work, dict(os.environ))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", NO_MKDOCS_2_WARNING="1")
    sh([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel),
        "properdocs>=1.6.7,<2"], work, env, timeout=600)
    return wheel, env, work


def test_the_wheel_holds_everything_a_project_needs(installed):
    wheel, _, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    code = {p.relative_to(REPO).as_posix() for p in (REPO / "generator").rglob("*.py")}
    assert code <= names, f"modules missing from the wheel (pyproject.toml packages): {sorted(code - names)}"
    for template in (REPO / "templates").glob("*.j2"):
        assert f"generator/templates/{template.name}" in names
    for kind in (REPO / "generator" / "model" / "kinds").glob("*.yaml"):
        assert f"generator/model/kinds/{kind.name}" in names
    assert {"generator/assets/handbook.css", "generator/assets/handbook.js",
            "generator/adapters/init_files/workflow.yml", "generator/example/handbook.yaml"} <= names
    [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    groups: dict[str, list[str]] = {}
    group = ""
    for line in zipfile.ZipFile(wheel).read(entry_points).decode().splitlines():
        if line.startswith("["):
            group = line.strip("[]")
        elif "=" in line:
            groups.setdefault(group, []).append(line.split("=")[0].strip())
    assert groups["mkdocs.plugins"] == ["handbook"] and groups["properdocs.plugins"] == ["handbook"]
    assert groups["console_scripts"] == ["handbook"]
    assert not any(n.startswith(("tests/", "handbook/", "templates/", "docs/")) for n in names)


def test_init_check_build_and_override_one_block_with_only_the_wheel(installed):
    _, env, work = installed
    python = str(Path(env["PATH"].split(os.pathsep)[0]) / "python")
    where = sh([python, "-c", "import generator; print(generator.__file__)"], work, env).stdout
    assert str(REPO) not in where and "site-packages" in where  # the installed package, not this checkout

    sh(["handbook", "init", "mycorp"], work, env)
    project = work / "mycorp"
    files = len(list((project / "handbook").rglob("*.yaml")))  # handbook.yaml, model.yaml, a starter per kind
    assert files >= 8 and sh(["handbook", "check", "--strict"], project, env).stdout.startswith(f"ok: {files} files checked")
    # The project's own CI: every `run` step of its workflow but the install (the wheel is installed).
    workflow = yaml.safe_load((project / ".github" / "workflows" / "handbook.yml").read_text())
    for step in workflow["jobs"]["check-and-build"]["steps"]:
        if "run" in step and not step["run"].startswith("pip install"):
            sh(["bash", "-c", step["run"]], project, {**env, **step.get("env", {})})
    shutil.rmtree(project / "site")

    sh(["mkdocs", "build", "--strict", "-d", "site-mkdocs"], project, env)
    sh(["properdocs", "build", "--strict", "-d", "site-properdocs"], project, env)
    before = html_pages(project / "site-mkdocs")
    assert "rituals/weekly-review/index.html" in before and len(before) > 10
    assert html_pages(project / "site-properdocs").keys() == before.keys()

    sh(["handbook", "templates", "copy", "ritual.md.j2", "--block", "header"], project, env)
    override = project / "templates" / "ritual.md.j2"
    text = override.read_text()
    assert "# {{ entity.name }}\n" in text
    override.write_text(text.replace("# {{ entity.name }}\n", "# {{ entity.name }}: a ritual of Mycorp\n", 1))
    assert sorted(p.name for p in (project / "templates").iterdir()) == ["ritual.md.j2"]  # only what changes

    sh(["mkdocs", "build", "--strict", "-d", "site-override"], project, env)
    after = html_pages(project / "site-override")
    assert after.keys() == before.keys()
    changed = sorted(uri for uri in before if before[uri] != after[uri])
    assert changed == ["rituals/weekly-review/index.html"]
    page = after["rituals/weekly-review/index.html"].decode()
    assert "Weekly review: a ritual of Mycorp" in page
    assert "Participants" in page and 'class="hb-diagram"' in page  # the rest is the packaged template
