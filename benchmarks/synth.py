"""Generate a realistic synthetic handbook of N entities into a directory.

All five kinds in proportions like the shipped example (teams ~15 %, rituals ~20 %, interfaces
~35 %, funding ~5 %, principles ~5 %... scaled), dense references (every ritual has inputs and
outputs, every team provides and consumes, funding splits sum to 100), and Markdown prose.
Deterministic for a given N and seed.

    python benchmarks/synth.py --n 1000 --out /tmp/hb1000   # writes /tmp/hb1000/handbook/...
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path

WORDS = ("plan quarter metric team review bet customer supplier order platform data budget risk "
         "incident cadence interface decision owner contract goal signal capacity growth debt "
         "service latency onboarding pricing release roadmap hiring health forecast").split()
SHARE = {"teams": 0.18, "rituals": 0.22, "interfaces": 0.40, "funding": 0.08, "principles": 0.12}
CADENCES = ["weekly", "every 2 weeks", "monthly", "quarterly", "every 6 weeks", {"trigger": "When an incident closes."}]


def sentence(rng: random.Random, n: int = 12) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def prose(rng: random.Random) -> str:
    return (f"{sentence(rng)} It matters because **{rng.choice(WORDS)}** drives `{rng.choice(WORDS)}`.\n\n"
            f"- {sentence(rng, 6)}\n- {sentence(rng, 7)}\n\nSee [the guide](https://example.org/{rng.choice(WORDS)}).\n")


def counts(n: int) -> dict[str, int]:
    out = {kind: max(2, int(n * share)) for kind, share in SHARE.items()}
    out["interfaces"] += n - sum(out.values())  # exactly n entities
    return out


CUSTOM_KINDS = ["forums", "metrics", "decisions", "okrs", "roles"]


def generate(n: int, out: Path, seed: int = 7, custom_kinds: int = 0) -> Path:
    """N entities. With `custom_kinds`, 30 % of them belong to kinds a model.yaml declares (each
    referring to teams and rituals, and referred to by rituals), and rituals get a custom field."""
    rng = random.Random(seed)
    root = out / "handbook"
    if root.exists():
        shutil.rmtree(root)
    custom = CUSTOM_KINDS[:custom_kinds]
    per_custom = int(n * 0.3) // len(custom) if custom else 0
    ids = {kind: [f"{kind[:-1] if kind != 'funding' else 'fund'}-{i:05d}" for i in range(c)]
           for kind, c in counts(n - per_custom * len(custom)).items()}
    for kind in ids:
        (root / kind).mkdir(parents=True)

    def write(kind: str, entity_id: str, data: dict) -> None:
        lines = [f"# yaml-language-server: $schema=../../schemas/{ {'funding': 'funding'}.get(kind, kind[:-1]) }.schema.json"]
        for key, value in data.items():
            if isinstance(value, str) and "\n" in value:
                lines.append(f"{key}: |")
                lines.extend(f"  {line}" if line else "" for line in value.rstrip("\n").split("\n"))
            else:
                lines.append(f"{key}: {json.dumps(value, default=str)}")
        (root / kind / f"{entity_id}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    teams, interfaces, rituals, funding, principles = (ids[k] for k in ("teams", "interfaces", "rituals", "funding", "principles"))
    pillars = [f"pillar-{i}" for i in range(4)]
    (root / "handbook.yaml").write_text(json.dumps({
        "name": f"Synthetic handbook of {n}", "purpose": prose(rng), "owner": teams[0], "review_by": "2027-12-31",
        "pillars": [{"id": p, "name": p.replace("-", " ").title(), "description": sentence(rng)} for p in pillars],
    }, indent=1) + "\n", encoding="utf-8")
    common = lambda i: {"owner": rng.choice(teams), "last_reviewed": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",  # noqa: E731
                        "tags": rng.sample(WORDS, 2)}
    for i, pid in enumerate(principles):
        write("principles", pid, {"name": f"Principle {i} {rng.choice(WORDS)}", "statement": sentence(rng),
                                  "why": prose(rng), "in_practice": [sentence(rng, 8), sentence(rng, 9)], **common(i)})
    for i, iid in enumerate(interfaces):
        write("interfaces", iid, {
            "name": f"Interface {i} {rng.choice(WORDS)}", "summary": sentence(rng, 10), "purpose": prose(rng),
            "type": rng.choice(["document", "dashboard", "metric", "report", "plan"]),
            "cadence": rng.choice(CADENCES), "horizon": "next quarter",
            "conformance": "required" if i < 3 else "recommended",
            "fields": [{"name": f"Field {k}", "description": sentence(rng, 8), "required": k < 3} for k in range(5)],
            "template": "| Metric | Value |\n| --- | --- |\n| … | … |\n", "version": f"{rng.randint(1, 4)}.{rng.randint(0, 9)}",
            "principles": rng.sample(principles, 2), **common(i)})
    for i, rid in enumerate(rituals):
        write("rituals", rid, {
            "name": f"Ritual {i} {rng.choice(WORDS)}", "summary": sentence(rng, 10), "purpose": prose(rng),
            "facilitator": "Product operations", "cadence": rng.choice(CADENCES),
            "duration_minutes": rng.choice([30, 45, 60, 90]), "format": rng.choice(["single-purpose", "open-agenda"]),
            "mode": rng.choice(["sync", "async", "hybrid"]), "level": rng.choice(["team", "group", "org"]),
            "participants": [{"team": t} for t in rng.sample(teams, 3)] + [{"role": "VP Engineering", "required": False}],
            "inputs": rng.sample(interfaces, 3), "outputs": rng.sample(interfaces, 1),
            "decisions": [sentence(rng, 7), sentence(rng, 6)], "anti_patterns": [sentence(rng, 8)],
            "principles": rng.sample(principles, 1), **common(i)})
    for i, fid in enumerate(funding):
        write("funding", fid, {
            "name": f"Funding {i} {rng.choice(WORDS)}", "summary": sentence(rng, 9), "basis": prose(rng),
            "pillar": rng.choice(pillars), "target": "0-20%", "value_shape": rng.choice(["linear", "step", "option"]),
            "reviewed_in": rng.choice(rituals), "exit_criteria": [sentence(rng, 8)], "examples": [sentence(rng, 6)],
            "when_this_percentage_lies": [sentence(rng, 9)], **common(i)})
    for i, tid in enumerate(teams):
        split = rng.sample(funding, 3)
        write("teams", tid, {
            "name": f"Team {i} {rng.choice(WORDS)}", "mission": sentence(rng, 10),
            "topology": rng.choice(["stream-aligned", "platform", "enabling", "complicated-subsystem"]),
            "lead": f"Lead {i}", "headcount": rng.randint(4, 12), "channels": [f"#team-{i}"],
            "provides": interfaces[:3] + rng.sample(interfaces, 3), "consumes": rng.sample(interfaces, 4),
            "local_practices": prose(rng), "funding": {split[0]: 50, split[1]: 30, split[2]: 20},
            "interactions": [{"team": rng.choice(teams), "mode": "x-as-a-service"}], **common(i)})
    if custom:
        _custom(root, rng, custom, per_custom, write, common, teams, rituals)
    return root


def _custom(root: Path, rng, kinds: list[str], count: int, write, common, teams, rituals) -> None:
    model = {"kinds": {"rituals": {"fields": {"slack_channel": {"type": "text"},
                                              "forum": {"type": "ref", "to": kinds[0], "reverse": "runs"}}}}}
    for kind in kinds:
        model["kinds"][kind] = {"singular": kind[:-1], "title": kind.capitalize(), "blurb": sentence(rng, 8),
                                "node": "amber", "fields": {
            "summary": {"type": "text", "required": True},
            "purpose": {"type": "markdown", "required": True},
            "chair": {"type": "ref", "to": "teams", "reverse": f"chairs_{kind}", "required": True},
            "members": {"type": "list", "of": {"type": "ref", "to": "teams", "reverse": f"member_of_{kind}"}},
            "meets_in": {"type": "ref", "to": "rituals", "reverse": f"hosts_{kind}"},
            "weight": {"type": "integer", "min": 0, "max": 100},
            "cadence": {"type": "cadence"}}}
    (root / "model.yaml").write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    for kind in kinds:
        (root / kind).mkdir()
        for i in range(count):
            write(kind, f"{kind[:-1]}-{i:05d}", {
                "name": f"{kind[:-1].capitalize()} {i} {rng.choice(WORDS)}", "summary": sentence(rng, 10),
                "purpose": prose(rng), "chair": rng.choice(teams), "members": rng.sample(teams, 3),
                "meets_in": rng.choice(rituals), "weight": rng.randint(0, 100), "cadence": rng.choice(CADENCES),
                **common(i)})
    first = kinds[0]
    for path in sorted((root / "rituals").glob("*.yaml"))[::3]:  # a third of the rituals use both fields
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"slack_channel: \"#{path.stem}\"\nforum: {first[:-1]}-{rng.randrange(count):05d}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--custom-kinds", type=int, default=0, help="kinds declared in model.yaml (up to 5)")
    args = parser.parse_args()
    print(generate(args.n, args.out, args.seed, args.custom_kinds))


if __name__ == "__main__":
    main()
