"""Bad input: every case gives a clear, located error (exit 1), never a traceback, never a write."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest
import yaml
from click.testing import CliRunner
from pydantic import BaseModel

from generator.adapters.cli import main
from generator.model.loader import MAX_FILE_BYTES
from generator.model.declare import default_model
from generator.model.types import field_shape

KINDS = default_model().kinds

from test_render import assert_inert

CORPUS = Path(__file__).parent / "corpus" / "bad"


@contextmanager
def cwd(path: Path):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def check(project, *args: str):
    """`handbook check` in the project, asserting the guarantees every bad input shares."""
    before = project.snapshot("handbook")
    with cwd(project.root):
        result = CliRunner().invoke(main, ["check", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert project.snapshot("handbook") == before, "check must never change the handbook"
    return result


def expectation(path: Path) -> tuple[str, int, int]:
    first = path.read_bytes().split(b"\n", 1)[0].decode()
    match = re.match(r"# expect: ([a-z0-9-]+) (\d+):(\d+)", first)
    assert match, f"{path.name} lacks an '# expect: code line:col' header"
    return match.group(1), int(match.group(2)), int(match.group(3))


@pytest.mark.parametrize("case", sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.glob("*/*.yaml")))
def test_corpus_case(project, case):
    """Each corpus file (under the kind folder it is dropped into) names its expected error."""
    code, line, col = expectation(CORPUS / case)
    project.write(f"handbook/{case}", (CORPUS / case).read_bytes())
    result = check(project)
    assert result.exit_code == 1, result.output
    assert f"handbook/{case}:{line}:{col}: error[{code}]" in result.output, result.output
    assert "= hint:" in result.output


def test_file_over_the_size_limit(project):
    project.write("handbook/rituals/huge.yaml", "name: x\nsummary: " + "y" * MAX_FILE_BYTES + "\n")
    result = check(project)
    assert result.exit_code == 1 and "handbook/rituals/huge.yaml: error[file-too-large]" in result.output


@pytest.mark.parametrize("filename", ["Weekly.yaml", "weekly.v2.yaml", "weekly review.yaml", "weekly\\review.yaml",
                                      "weekly__review.yaml", "_weekly.yaml", "weekly-_review.yaml", "-weekly.yaml",
                                      "w\u0435ekly.yaml"])  # the last with a Cyrillic е
def test_ids_must_be_slugs(project, filename):
    project.write(f"handbook/rituals/{filename}", "name: x\n")
    result = check(project)
    assert result.exit_code == 1 and f"error[invalid-id]" in result.output and "rename the file" in result.output


def test_path_separator_in_a_reference(project):
    project.edit("handbook/rituals/demo-day.yaml", "inputs: [release-notes]", "inputs: [../interfaces/release-notes]")
    result = check(project)
    assert result.exit_code == 1 and "error[unknown-reference]: unknown interface '../interfaces/release-notes'" in result.output


def test_two_files_claim_the_same_id(project):
    project.write("handbook/rituals/demo-day.yml", (project.handbook / "rituals/demo-day.yaml").read_text())
    result = check(project)
    assert result.exit_code == 1
    assert "handbook/rituals/demo-day.yml:1:1: error[duplicate-id]: id 'demo-day' is already used by handbook/rituals/demo-day.yaml" in result.output


def test_folder_of_an_unknown_kind(project):
    project.write("handbook/meetings/standup.yaml", "name: x\n")
    result = check(project)
    assert result.exit_code == 1 and "handbook/meetings/standup.yaml:1:1: error[unknown-kind]" in result.output


def test_deprecated_by_cycle(project):
    project.edit("handbook/interfaces/quarterly-plan.yaml", "version: \"1.0\"", "version: \"1.0\"\ndeprecated_by: quarterly-okrs")
    result = check(project)
    assert result.exit_code == 1
    assert re.search(r"quarterly-plan\.yaml:\d+:16: error\[deprecation-cycle\]: deprecated_by forms a cycle: "
                     r"quarterly-plan → quarterly-okrs → quarterly-plan", result.output)
    assert "error[deprecation-cycle]: deprecated_by forms a cycle: quarterly-okrs → quarterly-plan → quarterly-okrs" in result.output
    build = project.mkdocs("build")
    assert build.returncode == 1 and "deprecation-cycle" in build.stderr


PAYLOAD = '<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3)) {: onclick="alert(4)" }'
NAME_PAYLOAD = '</title><script>alert(1)</script>"><img src=x onerror=alert(2)> &amp; [x](javascript:alert(3))'


def _is_text(shape: tuple, annotation: Any) -> bool:
    """str, or a list of str, that is not a reference (ids) or a structured value such as a cadence."""
    if shape != ("leaf",):
        return False
    while get_origin(annotation) is not None and get_origin(annotation) is not list:
        annotation = next(a for a in get_args(annotation) if a is not type(None))  # Optional, Annotated
    if get_origin(annotation) is list:
        return _is_text(("leaf",), get_args(annotation)[0])
    return annotation is str


def _poison(data: dict, model: type[BaseModel]) -> int:
    """Set every free-text field (not ids, enums, dates or numbers) to the payload. Returns the count."""
    count = 0
    if isinstance(data.get("cadence"), dict):
        data["cadence"]["trigger"] = PAYLOAD
        count += 1
    for name, info in model.model_fields.items():
        if name not in data or name == "tags" or not _is_text(field_shape(model, name), info.annotation):
            continue  # tags refuse markup outright: test_tags_cannot_carry_markup
        value = data[name]
        if isinstance(value, str):
            data[name] = NAME_PAYLOAD if name == "name" else PAYLOAD
            count += 1
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            data[name] = [PAYLOAD] * len(value)
            count += 1
        elif isinstance(value, list):
            item_model = next(a for a in get_args(info.annotation) if isinstance(a, type) and issubclass(a, BaseModel))
            for item in value:
                count += _poison(item, item_model)
    return count


def test_tags_cannot_carry_markup(project):
    # Material's tags plugin renders tag names unescaped, so the schema refuses markup in tags.
    project.edit("handbook/rituals/demo-day.yaml", "tags: [shipping]", "tags: [\"<img src=x onerror=alert(1)>\"]")
    result = check(project)
    assert result.exit_code == 1 and "error[invalid-value]: tags.0: tag '<img src=x onerror=alert(1)>' may contain only" in result.output


def test_html_and_javascript_in_every_text_field_execute_nothing(project):
    entities = {"rituals": "rebuild-review", "interfaces": "bet-one-pager", "funding": "growth-bets",
                "teams": "checkout", "principles": "interfaces-not-processes"}
    for kind, entity_id in entities.items():
        path = project.handbook / kind / f"{entity_id}.yaml"
        data = yaml.safe_load(path.read_text())
        assert _poison(data, KINDS[kind].model) >= 3
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    result = project.mkdocs("build", "--strict")
    assert result.returncode == 0, result.stderr
    for page in (project.root / "site").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        # The whole built page (menus, titles, tag lists too): payloads may show as text, never run.
        assert_inert(text, markdown_syntax=False)
    page = (project.root / "site" / "rituals" / "rebuild-review" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)" in page or "&#60;script&#62;alert(1)" in page  # shown, as text
