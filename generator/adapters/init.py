"""Adapter: `handbook init`, a new handbook project that builds with only the package installed.

The project holds what is the company's own: its handbook (handbook.yaml, model.yaml and one
commented, valid starter per kind, or the Fernhill example), mkdocs.yml, a CI workflow, a
pre-commit hook, the JSON Schema for editors, a page on changing the handbook and a README. It
holds no templates and no code: those come from the installed package, so upgrading the package
upgrades the site (see README, "Upgrading"). A project's `templates/` holds only what it changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from importlib import metadata
from pathlib import Path

from ..model.declare import Kind, META_FILE, MODEL_FILE, default_model, load_model
from ..model.jsonschema import write_schemas
from ..model.starter import SCHEMA_DIR_FROM_ENTITY, Starter, needed_fields
from ..packaged import example_handbook, packaged_dir

FILES_DIR = Path(__file__).parent / "init_files"
# The project's files: target path -> file under init_files/ (dot-files are stored without the dot,
# as package data globs skip them).
PROJECT_FILES = {
    "mkdocs.yml": "mkdocs.yml",
    "README.md": "README.md",
    "requirements.txt": "requirements.txt",
    ".gitignore": "gitignore",
    ".pre-commit-config.yaml": "pre-commit-config.yaml",
    ".github/workflows/handbook.yml": "workflow.yml",
    "docs/changing-this-handbook.md": "changing-this-handbook.md",
}
ALLOWED_IN_TARGET = {".git"}  # `git init` first, then `handbook init .`


class InitRefused(Exception):
    """The target folder is not empty, or not a place to write a project into."""


@dataclass
class InitResult:
    directory: Path
    files: list[Path]


def package_version() -> str:
    try:
        return metadata.version("handbook-generator")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "0.1.0"


def requirement(version: str) -> str:
    """The pin a new project gets: this version and its compatible releases (same minor version
    before 1.0, same major after), which must keep building it (README, "Upgrading")."""
    parts = (version.split("+")[0].split(".") + ["0", "0"])[:3]
    if not all(p.isdigit() for p in parts):
        return f"handbook-generator=={version}"
    major, minor = int(parts[0]), int(parts[1])
    upper = f"{major}.{minor + 1}" if major == 0 else f"{major + 1}"
    return f"handbook-generator>={'.'.join(parts)},<{upper}"


def check_target(directory: Path) -> None:
    if directory.is_symlink() or (directory.exists() and not directory.is_dir()):
        raise InitRefused(f"{directory} exists and is not a folder")
    if directory.exists():
        present = sorted(p.name for p in directory.iterdir() if p.name not in ALLOWED_IN_TARGET)
        if present:
            shown = ", ".join(present[:5]) + (", …" if len(present) > 5 else "")
            raise InitRefused(f"{directory} is not empty ({shown}); init writes only into a new or empty folder")
    elif not directory.parent.is_dir():
        raise InitRefused(f"{directory.parent} does not exist; create it first, or choose another folder")


def init_project(directory: Path, *, example: bool = False, name: str | None = None,
                 today: date | None = None) -> InitResult:
    """Write a new handbook project into `directory` (new, or empty but for .git). Never
    overwrites and writes nothing outside `directory`."""
    check_target(directory)
    today = today or date.today()
    title = name or ("Fernhill" if example else _title(directory.resolve().name))
    version = package_version()
    written: list[Path] = []
    root = directory.resolve()
    directory.mkdir(exist_ok=True)

    def write(rel: str, text: str | bytes) -> None:
        target = (root / rel)
        if root not in target.resolve().parents:  # never outside the project
            raise InitRefused(f"refusing to write {rel} outside {directory}")
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = "xb" if isinstance(text, bytes) else "x"
        with target.open(mode, **({} if isinstance(text, bytes) else {"encoding": "utf-8"})) as fh:
            fh.write(text)
        written.append(target)

    words = {"__SITE_NAME__": f"{title} Operating Handbook", "__COMPANY__": title, "__VERSION__": version,
             "__REQUIREMENT__": requirement(version)}
    for rel, source in PROJECT_FILES.items():
        text = (FILES_DIR / source).read_text(encoding="utf-8")
        for key, value in words.items():
            text = text.replace(key, value)
        write(rel, text)
    if example:
        source = example_handbook()
        for path in sorted(source.rglob("*")):
            if path.is_file() and path.suffix in (".yaml", ".yml"):
                write(f"handbook/{path.relative_to(source).as_posix()}", path.read_bytes())
        for path in sorted(packaged_dir("example_evidence").glob("*")):  # what its model.yaml measures from
            if path.is_file() and path.suffix in (".csv", ".json"):
                write(f"evidence/{path.name}", path.read_bytes())
        model, _ = load_model(root / "handbook", root)
    else:
        for rel, text in starter_files(title, today).items():
            write(f"handbook/{rel}", text)
        model = None
    schemas = root / "schemas"
    schemas.mkdir()
    written += write_schemas(model or default_model(), schemas)
    return InitResult(directory, written)


def _title(folder: str) -> str:
    words = folder.replace("_", " ").replace("-", " ").split()
    return " ".join(w[:1].upper() + w[1:] for w in words) or "Our"


# --- the starters: one valid, commented entity per kind, referencing each other ------------------

OWNER = "operations"


def starter_files(company: str, today: date) -> dict[str, str]:
    """handbook.yaml, model.yaml and one starter per built-in kind: a tiny handbook that passes
    `handbook check` without a warning, each file showing its kind's optional fields commented out."""
    model = default_model()
    review_by = today + timedelta(days=365)
    files = {
        META_FILE: (META_TEXT.replace("__COMPANY__", company).replace("__REVIEW_BY__", review_by.isoformat())
                    .replace("__OWNER__", OWNER)),
        MODEL_FILE: MODEL_TEXT,
    }
    for kind_name, (entity_id, about, values) in STARTERS.items():
        kind = model.kinds[kind_name]
        files[f"{kind_name}/{entity_id}.yaml"] = entity_starter(kind, about, values, today)
    return files


def entity_starter(kind: Kind, about: str, values: dict[str, str], today: date) -> str:
    """The file: `values` (YAML text after `field: `) written out under the field's description;
    every other field of the kind commented out, as `handbook new` writes them (model/starter.py)."""
    values = {"last_reviewed": today.isoformat(), **values}
    body = Starter({"teams": [OWNER]}, today).lines(kind.model, values, needed_fields(kind),
                                                   examples=COMMENTED_EXAMPLES, describe_values=True)
    header = [
        f"# yaml-language-server: $schema={SCHEMA_DIR_FROM_ENTITY}/{kind.schema}.schema.json",
        f"# {about}",
        f"# A starter {kind.singular}: edit it into one of yours, or copy it for the next one",
        f"# (`handbook new {kind.schema} \"Name\"` writes an empty one). A '# ' before a field makes it",
        "# optional and unused: remove the '# ' to use it. Check with: handbook check",
    ]
    return "\n".join(header + body) + "\n"


# Examples for optional fields where the generic starter value would be a placeholder.
COMMENTED_EXAMPLES = {
    "starts": "2027-01-04T10:00",
    "horizon": "the last week",
    "template": "|\n#   **Priorities:** 1. … (owner: …)",
    "example": "|\n#   **Priorities:** 1. Fix the onboarding e-mail (owner: Sam).",
    "headcount": "8",
    "channels": '["#operations"]',
    "local_practices": "|\n#   Two-week cycles and a written update every Friday.",
    "consumes": "[]",
    "interactions": "[{team: another-team, mode: facilitating}]",
    "examples": '["keeping the billing system patched"]',
    "when_this_percentage_lies": '["when urgent fixes are booked as new work"]',
    "anti_patterns": '["reading the updates aloud"]',
    "deprecated_by": "id-of-the-replacement",
    "email": "alex.morgan@example.com",
    "timezone": "Europe/London",
}

STARTERS: dict[str, tuple[str, str, dict[str, str]]] = {
    "teams": (OWNER, "A team: its mission, the interfaces it provides and consumes, how its capacity is funded.", {
        "name": "Operations",
        "mission": "Keep the operating system small, current and useful to the teams that live with it.",
        "topology": "enabling",
        "lead": "alex-morgan",
        "consumes": "[weekly-priorities]",
        "funding": "\n  run-the-business: 100",
    }),
    "interfaces": ("weekly-priorities", "An interface: a contract between teams, not a process.", {
        "name": "Weekly priorities",
        "owner": OWNER,
        "summary": "The few things leadership agreed matter most this week, and who owns each.",
        "purpose": "|\n  Lets every team see what needs attention without a status meeting.",
        "type": "document",
        "cadence": "weekly",
        "conformance": "recommended",
        "fields": ("\n  - name: Priorities\n    description: at most three, each with the reason it matters now"
                   "\n  - name: Owners\n    description: the person who answers for each priority"),
        "version": '"1.0"',
    }),
    "rituals": ("weekly-review", "A ritual: a recurring meeting or review, what it consumes and decides.", {
        "name": "Weekly review",
        "owner": OWNER,
        "summary": "Team leads agree the week's priorities and who owns each.",
        "purpose": "|\n  One place where blocked work is seen within a week, instead of at the end of a quarter.",
        "facilitator": "Head of Operations",
        "cadence": "weekly",
        "duration_minutes": "30",
        "format": "single-purpose",
        "mode": "sync",
        "level": "group",
        "participants": f"\n  - team: {OWNER}",
        "outputs": "[weekly-priorities]",
        "decisions": "\n  - which blocked item each lead takes on this week",
        "principles": "[write-it-down]",
    }),
    "funding": ("run-the-business", "A funding category: how work gets money and time, and how it is judged.", {
        "name": "Run the business",
        "owner": OWNER,
        "summary": "Keeping what we already offer working well.",
        "basis": "|\n  Funded as a steady share of each team's capacity; judged by reliability and customer effort.",
        "pillar": "serve-customers",
        "target": '"100%"',
        "value_shape": "linear",
        "reviewed_in": "weekly-review",
        "exit_criteria": "\n  - the work no longer serves a current customer",
    }),
    "people": ("alex-morgan", "A person: who they are; their page lists what they own, facilitate, lead and attend.", {
        "name": "Alex Morgan",
        "handle": "amorgan",
        "role": "Head of Operations",
        "teams": f"[{OWNER}]",
    }),
    "principles": ("write-it-down", "A principle: what we hold, why, and what it looks like day to day.", {
        "name": "Write it down",
        "owner": OWNER,
        "statement": "Decisions and updates are written before they are discussed.",
        "why": "|\n  Writing lets people who were not in the room follow, disagree and catch up.",
        "in_practice": "\n  - every ritual has a written input\n  - decisions are recorded where the work lives",
    }),
}

META_TEXT = """\
# yaml-language-server: $schema=../schemas/handbook.schema.json
# The operating system as a whole: the home page of the site. Check with: handbook check
name: __COMPANY__ Operating System
purpose: |
  How __COMPANY__ runs itself: the rituals where decisions are made, the interfaces that pass
  between teams, how work is funded, and the principles behind them. Standardise the interfaces
  between teams, not each team's process.
# id of the team that owns the operating system
owner: __OWNER__
# the whole system is adopted until this date, then revisited
review_by: __REVIEW_BY__
# default review period for every entity, in days
# review_period_days: 180
# IANA time zone of ritual start times, e.g. Europe/Berlin
# timezone: UTC
# published address of the handbook, for links in calendar feeds
# site_url: https://handbook.example.com/
pillars:
  - id: serve-customers
    name: Serve our customers
    description: Everything we fund should make a customer's work easier; say how.
"""

MODEL_TEXT = """\
# yaml-language-server: $schema=../schemas/model.schema.json
# This handbook's own model: fields, vocabularies and kinds of its own, beside the built-in kinds
# (principles, rituals, interfaces, funding, teams). See the package README, "Make it your own".
# After a change, run `handbook schema` so that editors complete the new fields. Check with: handbook check
version: 1

# kinds:
#   rituals:
#     fields:
#       slack_channel: {type: text, description: "where pre-reads and follow-ups are posted, e.g. #wbr"}
# vocabularies:
#   interface-types: {add: [api]}
# lints: {review-overdue: error}
"""

