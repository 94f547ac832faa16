"""The `handbook` command: check (formats, exit codes, strict), schema, new, explain."""

from __future__ import annotations

import json

import yaml
from click.testing import CliRunner

from generator.adapters.cli import main

from conftest import REPO
from test_bad_input import cwd


def run(project, *args):
    with cwd(project.root):
        return CliRunner().invoke(main, list(args))


def test_check_clean_handbook_exits_0_with_warnings(project):
    result = run(project, "check", "--today", "2026-11-24")
    assert result.exit_code == 0, result.output
    assert "warning[zombie-ritual]" in result.output and "demo-day" in result.output
    assert "0 errors" in result.output


def test_strict_fails_on_warnings(project):
    assert run(project, "check", "--strict", "--today", "2026-11-24").exit_code == 1


def test_strict_passes_once_warnings_are_fixed(project):
    result = run(project, "check", "--strict", "--today", "2026-01-01")  # nothing overdue yet
    assert "review-overdue" not in result.output
    assert result.exit_code == 1 and "zombie-ritual" in result.output


def test_text_format_is_path_line_col_code_then_hint(project):
    project.edit("handbook/rituals/weekly-business-review.yaml", "cadence: weekly", "cadnce: weekly")
    result = run(project, "check")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    i = next(i for i, line in enumerate(lines) if "unknown-field" in line)
    assert lines[i].startswith("handbook/rituals/weekly-business-review.yaml:")
    assert lines[i + 1].startswith("  = hint: ")


def test_github_format_annotates_lines(project):
    project.edit("handbook/rituals/weekly-business-review.yaml", "cadence: weekly", "cadnce: weekly")
    result = run(project, "check", "--format", "github")
    assert result.exit_code == 1
    annotation = next(line for line in result.output.splitlines() if "unknown-field" in line)
    assert annotation.startswith("::error file=handbook/rituals/weekly-business-review.yaml,line=")
    assert ",col=1,title=unknown-field::unknown field 'cadnce'" in annotation


def test_github_format_annotates_warnings(project):
    result = run(project, "check", "--format", "github", "--today", "2026-11-24")
    assert result.exit_code == 0
    assert any(line.startswith("::warning file=handbook/rituals/demo-day.yaml,line=")
               and "title=zombie-ritual::" in line for line in result.output.splitlines())


def test_json_format_is_machine_readable(project):
    project.edit("handbook/teams/checkout.yaml", "topology: stream-aligned", "topology: streamy")
    result = run(project, "check", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    error = next(d for d in data if d["severity"] == "error")
    assert error["path"] == "handbook/teams/checkout.yaml" and error["code"] == "invalid-value"
    assert set(error) == {"path", "line", "col", "severity", "code", "message", "hint"}


def test_usage_errors_exit_2(project):
    assert run(project, "check", "no-such-dir").exit_code == 2
    assert run(project, "check", "--format", "xml").exit_code == 2
    assert run(project, "new", "meeting", "X").exit_code == 2


def test_new_writes_a_valid_starter_and_refuses_to_overwrite(project):
    for kind in ("ritual", "interface", "funding", "team", "principle"):
        result = run(project, "new", kind, f"Brand New {kind.title()}")
        assert result.exit_code == 0, result.output
        assert "created handbook/" in result.output and "TODO" in result.output
    path = project.handbook / "rituals" / "brand-new-ritual.yaml"
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=../../schemas/ritual.schema.json")
    assert yaml.safe_load(text)["name"] == "Brand New Ritual"
    check = run(project, "check")
    assert check.exit_code == 0, check.output  # starters are valid; TODOs are for people
    path.write_text(text + "# my edits\n")
    again = run(project, "new", "ritual", "Brand new ritual")
    assert again.exit_code == 1 and "already exists" in again.output
    assert path.read_text().endswith("# my edits\n")


def test_explain(project):
    result = run(project, "explain", "zombie-ritual")
    assert result.exit_code == 0 and "How to fix" in result.output
    assert "zombie-ritual" in run(project, "explain").output
    unknown = run(project, "explain", "zombie-ritul")
    assert unknown.exit_code == 2 and "did you mean 'zombie-ritual'" in unknown.output


def test_every_emitted_code_is_explained():
    import re
    from generator.codes import CODES
    patterns = [r'"(?:error|warning)",\s*"([a-z0-9-]+)"',      # Diagnostic(path, line, col, severity, code, …)
                r'(?:YamlProblem|problem)\(\s*[^,()]+(?:\([^)]*\))?,\s*"([a-z0-9-]+)"',
                r'\bat\(\s*"([a-z0-9-]+)"',                        # validate: at(code, …)
                r'\bat\([^,]+,\s*(?:\([^)]*\)|\w+\.loc|where|_written_or_name\([^)]*\)),\s*"([a-z0-9-]+)"',  # lints
                r'return position, "([a-z0-9-]+)"']
    emitted = set()
    for path in (REPO / "generator").rglob("*.py"):
        if path.name in ("codes.py", "diagnostics.py"):  # they define codes and severities, emit none
            continue
        text = path.read_text()
        for pattern in patterns:
            emitted |= set(re.findall(pattern, text))
    assert {"duplicate-key", "unknown-field", "zombie-ritual", "yaml-tab", "unknown-reference"} <= emitted
    assert emitted - set(CODES) == set()


def test_page_links_in_prose_are_flagged(project):
    project.edit("handbook/rituals/demo-day.yaml", "Seeing working software beats reading about it.",
                 "Seeing working software beats reading about [the plan](../interfaces/quarterly-plan.md).")
    result = run(project, "check", "--today", "2026-11-24")
    line = next(line for line in result.output.splitlines() if "page-link-in-prose" in line)
    assert line.startswith("handbook/rituals/demo-day.yaml:") and "'../interfaces/quarterly-plan.md'" in line
    project.edit("handbook/rituals/demo-day.yaml", "(../interfaces/quarterly-plan.md)",
                 "(https://handbook.fernhill.example/interfaces/quarterly-plan/)")
    assert "page-link-in-prose" not in run(project, "check", "--today", "2026-11-24").output  # full URLs are fine
