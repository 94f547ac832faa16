"""Declared fields on every page (issue 20): whatever a handbook's model.yaml relaxes or adds, every
packaged template renders every entity that passes `check`; declared fields and relations are
sections of their own; hierarchies are drawn; the home page shows the kinds in use; the build log
keeps to what a person acts on. Each test builds its own small handbook, shaped like a real
organisation's (divisions, departments, teams, product areas; people as product managers and chairs)."""

from __future__ import annotations

import html
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.adapters.cli import main
from generator.model.declare import default_model
from generator.render.diagrams import funding_chart

from conftest import Project
from test_bad_input import cwd

MKDOCS = """
site_name: Org handbook
theme: {name: material, font: false}
plugins:
  - search
  - tags
  - handbook: {today: 2026-06-01, nav_threshold: 3}
"""

ORG_MODEL = """
version: 1
folders:
  rituals/rnd: {title: "R&D"}
kinds:
  divisions:
    singular: division
    title: Divisions
    blurb: "The company's divisions, each a set of departments."
    fields:
      last_reviewed: {required: false}
  departments:
    singular: department
    title: Departments
    blurb: "Departments, each in a division."
    fields:
      last_reviewed: {required: false}
      division: {type: ref, to: divisions, parent: true, reverse: departments, reverse_label: Departments}
  teams:
    index_columns: [department, headcount, topology]
    fields:
      department: {type: ref, to: departments, parent: true, reverse: teams_in, reverse_label: Teams}
      charter: {type: url}
      links: {type: list, of: {type: url}}
      product_manager: {type: ref, to: people, reverse: product_manager_of, reverse_label: Product manager of}
      products:
        type: map
        key: {type: text}
        value: {type: object, fields: {maturity: {type: text}, documentation: {type: url}}}
  product-areas:
    singular: product area
    title: Product areas
    blurb: "What each team builds, area by area."
    fields:
      last_reviewed: {required: false}
      team: {type: ref, to: teams, parent: true, reverse: product-areas, reverse_label: Product areas}
  committees:
    singular: committee
    title: Committees
    blurb: "Groups that decide across departments."
    fields:
      last_reviewed: {required: false}
      chairs: {type: list, of: {type: ref, to: people, reverse: chairs, reverse_label: Chairs}}
  interfaces:
    fields:
      cadence: {required: false}
      owner: {required: false}
"""

ORG_FILES = {
    "handbook/handbook.yaml": "name: Org OS\npurpose: How the org runs.\nowner: checkout\nreview_by: 2030-01-01\n"
                              "pillars: [{id: core, name: Core, description: The core.}]\n",
    "handbook/people/ada.yaml": "name: Ada Lovelace\n",
    "handbook/divisions/product.yaml": "name: Product\nowner: checkout\n",
    "handbook/departments/payments.yaml": "name: Payments\nowner: checkout\ndivision: product\n",
    "handbook/teams/checkout.yaml": textwrap.dedent("""\
        name: Checkout
        last_reviewed: 2026-05-01
        mission: Take the money.
        topology: stream-aligned
        lead: ada
        headcount: 8
        department: payments
        charter: https://wiki.example/checkout-charter
        links: [https://wiki.example/a, https://dash.example/b]
        product_manager: ada
        provides: [weekly-numbers]
        products:
          cart: {maturity: lovable, documentation: https://docs.example/cart}
          wallet: {maturity: viable}
        """),
    "handbook/teams/pricing.yaml": "name: Pricing\nlast_reviewed: 2026-05-01\nmission: Set prices.\n"
                                   "topology: stream-aligned\nlead: Bo\nheadcount: 5\ndepartment: payments\n",
    "handbook/product-areas/cart.yaml": "name: Cart\nowner: checkout\nteam: checkout\n",
    **{f"handbook/product-areas/{a}.yaml": f"name: {a.title()}\nowner: pricing\nteam: pricing\n"
       for a in ("promotions", "tax", "vouchers")},  # more than nav_threshold: out of the nav, by design
    "handbook/committees/architecture.yaml": "name: Architecture committee\nowner: checkout\nchairs: [ada]\n",
    "handbook/interfaces/weekly-numbers.yaml": textwrap.dedent("""\
        name: Weekly numbers
        last_reviewed: 2026-05-01
        summary: The numbers.
        purpose: Know where we are.
        type: report
        conformance: recommended
        fields: [{name: Revenue, description: Money in.}]
        version: "1.0"
        """),
    "handbook/rituals/rnd/sync.yaml": "name: Research sync\nowner: checkout\nlast_reviewed: 2026-05-01\n"
                                      "summary: Sync.\npurpose: Share.\nfacilitator: Lead\ncadence: weekly\n"
                                      "duration_minutes: 30\nformat: open-agenda\nmode: sync\nlevel: team\n"
                                      "participants: [{team: checkout}]\ninputs: [weekly-numbers]\n"
                                      "decisions: [What next]\n",
    "handbook/rituals/ops-review/standup.yaml": "name: Standup\nowner: pricing\nlast_reviewed: 2026-05-01\n"
                                                "summary: Daily.\npurpose: Unblock.\nfacilitator: Lead\n"
                                                "cadence: daily\nduration_minutes: 15\nformat: open-agenda\n"
                                                "mode: sync\nlevel: team\nparticipants: [{team: pricing}]\n"
                                                "decisions: [What first]\n",
}


def make(root: Path, files: dict[str, str], model: str | None) -> Project:
    project = Project(root)
    project.write("mkdocs.yml", MKDOCS)
    project.write("docs/.keep", "")
    for rel, text in files.items():
        project.write(rel, text)
    if model is not None:
        project.write("handbook/model.yaml", textwrap.dedent(model).lstrip())
    return project


def check(project: Project, today: str = "2026-06-01"):
    with cwd(project.root):
        result = CliRunner().invoke(main, ["check", "--today", today])
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result


def build(project: Project) -> tuple[Path, str]:
    result = project.mkdocs("build", "--strict")
    assert result.returncode == 0, result.stderr
    return project.root / "site", result.stderr


def article(site: Path, uri: str) -> str:
    html = (site / uri / "index.html").read_text(encoding="utf-8")
    return html[html.index("<article"):html.index("</article>")]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def defects(html: str) -> list[str]:
    """What a page must never show: Python's None, empty bold (****), a heading with nothing under
    it before the next heading of its level, a table row whose every cell is empty or a dash."""
    html = re.sub(r"<svg.*?</svg>", "<svg/>", html, flags=re.S)
    found = []
    if re.search(r"\bNone\b", text_of(html)):
        found.append("None")
    if "****" in html or "<strong></strong>" in html:
        found.append("****")
    parts = re.split(r"(<h[1-6][^>]*>.*?</h[1-6]>)", html, flags=re.S)
    heads = [(i, int(p[2]), text_of(p).replace("¶", "").strip()) for i, p in enumerate(parts)
             if re.match(r"<h[1-6]", p)]
    for n, (i, level, title) in enumerate(heads):
        end = next((j for j, other, _ in heads[n + 1:] if other <= level), len(parts))
        if not re.sub(r"<(?!svg|img)[^>]+>|\s", "", "".join(parts[i + 1:end])):
            found.append(f"empty heading {title!r}")
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        if "<td" in row and all(re.sub(r"<[^>]+>|\s|—", "", c) == "" for c in cells):
            found.append("empty row")
    return found


# --- 1. whatever the model relaxes, every page renders -------------------------------------------

def relax_everything() -> tuple[dict, dict[str, list[str]]]:
    """A model.yaml that makes every required built-in field optional, derived from the built-in
    declarations (not a hand-written list), and the fields it relaxed by kind."""
    model = default_model()
    relaxed = {("handbook" if kind is model.meta else kind.name): [n for n, s in kind.fields.items()
                                                                   if s.required or s.required_when]
               for kind in [model.meta, *model.kinds.values()]}
    kinds = {name: {"fields": {f: {"required": False} for f in fields}} for name, fields in relaxed.items()}
    return {"version": 1, "kinds": kinds}, relaxed


def test_every_page_renders_with_every_relaxable_built_in_field_left_out(tmp_path):
    declared, relaxed = relax_everything()
    assert len(relaxed) == len(default_model().kinds) + 1
    assert "cadence" in relaxed["interfaces"] and "name" in relaxed["teams"] and "pillars" in relaxed["handbook"]
    files = {"handbook/handbook.yaml": "timezone: UTC\n"}  # every required field of the handbook left out too
    for kind in default_model().kinds:
        files[f"handbook/{kind}/bare.yaml"] = "tags: [bare]\n"  # nothing but a field no kind requires
    project = make(tmp_path, files, yaml.safe_dump(declared))
    assert check(project).exit_code == 0
    site, _ = build(project)
    pages = {"home": ""} | {f"{k}-index": f"{k}/" for k in default_model().kinds} \
        | {k: f"{k}/bare/" for k in default_model().kinds} \
        | {"map": "map/", "conformance": "interfaces/conformance/", "reviews": "reviews/", "tags": "tags/"}
    for name, uri in pages.items():
        html = article(site, uri)
        assert defects(html) == [], (name, defects(html))
    for kind in default_model().kinds:
        assert "<h1" in article(site, f"{kind}/bare/") and ">bare<" in article(site, f"{kind}/bare/")  # named by its id
    interface = article(site, "interfaces/bare/")
    assert "Owner:" not in interface and "Purpose" not in interface and "contract" not in interface


def test_each_relaxed_field_left_out_alone_renders(project):
    """The suite's handbook with every relaxable field made optional, where each entity of a kind
    leaves out a few of them (the kind's relaxed fields spread over its entities): each absence
    next to everything else present, on every page kind, in one strict build."""
    declared, relaxed = relax_everything()
    own = yaml.safe_load((project.handbook / "model.yaml").read_text())
    for kind, spec in declared["kinds"].items():
        own.setdefault("kinds", {}).setdefault(kind, {}).setdefault("fields", {}).update(spec["fields"])
    project.write("handbook/model.yaml", yaml.safe_dump(own))
    dropped = set()
    for kind, fields in relaxed.items():
        paths = [project.handbook / "handbook.yaml"] if kind == "handbook" else \
            sorted((project.handbook / kind).rglob("*.yaml"))
        for k, path in enumerate(paths):
            data = yaml.safe_load(path.read_text())
            for name in fields[k % len(paths)::len(paths)]:  # the kind's fields spread over its entities
                if (kind, name) == ("handbook", "pillars"):
                    continue  # what the funding categories name (the bare handbook test leaves it out)
                if data.pop(name, None) is not None:
                    dropped.add((kind, name))
            path.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert {("interfaces", "cadence"), ("rituals", "participants"), ("teams", "lead")} <= dropped
    assert len(dropped) >= sum(len(f) for k, f in relaxed.items() if k != "handbook")  # every field, somewhere
    result = check(project, "2026-12-01")  # the suite's handbook is reviewed until late 2026
    assert result.exit_code == 0, result.output
    site, _ = build(project)
    for page in sorted(site.rglob("index.html")):
        uri = page.parent.relative_to(site).as_posix()
        if uri.split("/")[0] in ("search", "assets", "changes"):
            continue
        html = page.read_text(encoding="utf-8")
        assert defects(html[html.index("<article"):html.index("</article>")]) == [], uri


def test_a_relaxed_cadence_renders_on_every_page_that_shows_one(tmp_path):
    project = make(tmp_path, ORG_FILES, ORG_MODEL)
    assert check(project).exit_code == 0  # the interface writes no cadence
    site, _ = build(project)
    for uri in ("interfaces/weekly-numbers/", "interfaces/", "teams/checkout/", "rituals/rnd/sync/"):
        assert defects(article(site, uri)) == [], uri
    page = article(site, "interfaces/weekly-numbers/")
    assert "Cadence" not in page and "Owner:" not in page  # left out: no column, no "Owner: itself"


# --- 2. declared fields and relations, first-class ------------------------------------------------

@pytest.fixture(scope="module")
def org(tmp_path_factory):
    project = make(tmp_path_factory.mktemp("org"), ORG_FILES, ORG_MODEL)
    assert check(project).exit_code == 0, check(project).output
    site, log = build(project)
    return site, log


def test_declared_fields_and_relations_are_sections_of_their_own(org):
    site, _ = org
    team = article(site, "teams/checkout/")
    assert "More about this" not in team
    facts = team[:team.index("</table>")]  # the facts table under the title, built-in and declared alike
    for label in ("Topology", "Lead", "Headcount", "Department", "Charter", "Links", "Product manager"):
        assert f">{label}<" in facts, label
    assert ">8<" in facts and 'href="../../departments/payments/"' in facts
    assert re.search(r'<h2 id="products">Products', team)
    person = article(site, "people/ada/")
    for label in ("Product manager of", "Chairs", "Leads"):
        assert re.search(rf"<h2[^>]*>{label}", person), label
    connections = person[person.index('id="connections"'):]
    connections = connections[connections.rindex("</svg>"):]  # the table of relations no section names
    assert "Product manager of" not in connections and "Chairs" not in connections  # said once, above
    assert 'href="../../teams/checkout/"' in person[:person.index('id="connections"')]


def test_a_map_of_objects_is_a_table_and_every_url_is_a_link(org):
    site, _ = org
    team = article(site, "teams/checkout/")
    assert "maturity=" not in team and "documentation=" not in team
    products = team[team.index('id="products"'):]
    products = products[:products.index("</table>")]
    assert ">Maturity<" in products and ">Documentation<" in products and ">lovable<" in products
    for url in ("https://wiki.example/checkout-charter", "https://wiki.example/a", "https://dash.example/b",
                "https://docs.example/cart"):
        assert f'href="{url}"' in team, url
    assert defects(team) == []


def test_empty_built_in_sections_are_hidden(org):
    site, _ = org
    pricing = text_of(article(site, "teams/pricing/"))  # no provides, consumes, rituals of its own…
    for words in ("Provides", "Consumes", "none", "Not reported", "Not written down yet", "Local practices",
                  "Funding mix"):
        assert words not in pricing, words
    assert "Headcount" in pricing and "5" in pricing


def test_model_yaml_sets_the_index_columns_of_a_built_in_kind(org, tmp_path):
    site, _ = org
    index = article(site, "teams/")
    head = re.findall(r"<th[^>]*>(.*?)</th>", index[index.index("<thead"):index.index("</thead>")])
    assert [text_of(h).strip() for h in head][:4] == ["Team", "Department", "Headcount", "Topology"]
    bad = make(tmp_path, ORG_FILES, ORG_MODEL.replace("[department, headcount, topology]",
                                                      "[department, head_count]"))
    result = check(bad)
    assert result.exit_code == 1
    line = ORG_MODEL.strip().splitlines().index("    index_columns: [department, headcount, topology]") + 1
    assert re.search(rf"handbook/model\.yaml:{line}:\d+: error\[model\]: index column 'head_count' is neither a "
                     r"field of 'teams' nor a relation", result.output), result.output
    assert "did you mean 'headcount'" in result.output


# --- 3. folders and charts -------------------------------------------------------------------------

def test_a_folder_has_its_declared_title_or_its_name_as_written(org):
    site, _ = org
    index = article(site, "rituals/")
    assert '<h2 id="group-rnd">R&#38;D' in index and "Rnd" not in index
    assert '<h2 id="group-ops-review">ops-review' in index
    nav = html.unescape((site / "rituals/rnd/sync/index.html").read_text())
    assert re.search(r"R&D\s*</", nav) and "Rnd" not in nav


def test_a_folder_title_for_no_kind_is_an_error(tmp_path):
    project = make(tmp_path, ORG_FILES, ORG_MODEL.replace("rituals/rnd:", "meetings/rnd:"))
    result = check(project)
    assert result.exit_code == 1 and "handbook/model.yaml:3:" in result.output
    assert "'meetings/rnd' is not a sub-folder of a kind" in result.output


def test_a_chart_label_is_never_cut():
    name = "Rebuilding after a breakdown of the whole payments platform"
    svg = str(funding_chart([{"name": name, "href": "x/", "low": 10, "high": 20, "target": "10–20 %", "actual": 12.0},
                             {"name": "Short", "href": "y/", "low": None, "high": None, "target": None,
                              "actual": 5.0}]))
    words = " ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg.split('class="hb-chart__label"')[1]))
    assert words == name and "…" not in svg
    assert "5.0 % / no target" in svg  # a relaxed target: a bar and no band


# --- 4. hierarchies ---------------------------------------------------------------------------------

def test_the_index_draws_the_tree_and_each_page_its_path_to_the_top(org):
    site, _ = org
    tree = article(site, "teams/")
    tree = tree[tree.index('class="hb-tree"'):]
    tree = tree[:tree.index("</div>")]
    order = [tree.index(t) for t in (">Product<", ">Payments<", ">Checkout<", ">Pricing<")]
    assert order == sorted(order) and tree.count("<details open>") == 2  # division > department > two teams
    assert "2 teams" in tree
    crumbs = article(site, "product-areas/cart/")
    crumbs = crumbs[crumbs.index("hb-breadcrumbs"):]
    crumbs = text_of(crumbs[crumbs.index(">") + 1:]).split("›")
    assert [c.strip() for c in crumbs[:3]] == ["Product", "Payments", "Checkout"] and crumbs[3].strip().startswith("Cart")
    areas = article(site, "product-areas/")  # a declared kind below a built-in one: the same tree
    assert 'class="hb-tree"' in areas and ">Checkout<" in areas


def test_a_kind_that_refers_to_itself_is_drawn_as_one_tree(tmp_path):
    model = ORG_MODEL.replace("department: {type: ref, to: departments, parent: true",
                              "parent_team: {type: ref, to: teams, parent: true")
    files = dict(ORG_FILES)
    files["handbook/teams/checkout.yaml"] = files["handbook/teams/checkout.yaml"].replace("department: payments",
                                                                                        "parent_team: pricing")
    files["handbook/teams/pricing.yaml"] = files["handbook/teams/pricing.yaml"].replace("department: payments\n", "")
    project = make(tmp_path, files, model.replace("[department, headcount, topology]", "[parent_team, headcount]"))
    assert check(project).exit_code == 0, check(project).output
    site, _ = build(project)
    tree = article(site, "teams/")
    tree = tree[tree.index('class="hb-tree"'):tree.index("</div>", tree.index('class="hb-tree"'))]
    assert tree.index(">Pricing<") < tree.index(">Checkout<") and "1 team" in tree  # Pricing holds Checkout
    crumbs = article(site, "product-areas/cart/")
    crumbs = text_of(crumbs[crumbs.index("hb-breadcrumbs"):])
    assert "Pricing › Checkout › Cart" in crumbs


def test_a_cycle_of_parents_is_an_error_at_its_line_not_a_hang(tmp_path):
    files = dict(ORG_FILES)
    files["handbook/departments/payments.yaml"] = "name: Payments\nowner: checkout\ndivision: product\n"
    model = ORG_MODEL.replace("division: {type: ref, to: divisions, parent: true",
                              "division: {type: ref, to: departments, parent: true")
    files["handbook/departments/product.yaml"] = "name: Product dept\nowner: checkout\ndivision: payments\n"
    files["handbook/departments/payments.yaml"] = "name: Payments\nowner: checkout\ndivision: product\n"
    project = make(tmp_path, files, model)
    result = subprocess.run([str(Path(sys.executable).parent / "handbook"), "check", "--today", "2026-06-01"],
                            cwd=project.root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout + result.stderr
    assert ("handbook/departments/payments.yaml:3:11: error[parent-cycle]: division forms a cycle: "
            "departments/payments → departments/product → departments/payments") in out
    assert "handbook/departments/product.yaml:3:11: error[parent-cycle]" in out
    assert "Traceback" not in out


def test_a_parent_field_must_be_one_reference(tmp_path):
    project = make(tmp_path, ORG_FILES, ORG_MODEL.replace(
        "charter: {type: url}", "charter: {type: url, parent: true}"))
    result = check(project)
    assert result.exit_code == 1 and "'parent' does not apply to a field of type url" in result.output


# --- 5. home, 6. noise ---------------------------------------------------------------------------

def test_the_home_page_shows_the_kinds_in_use_in_their_declared_words(org):
    site, _ = org
    home = article(site, "")
    cards = home[home.index("grid cards"):]
    for title, blurb in (("Divisions", "The company&#x27;s divisions"), ("Teams", "Who provides"),
                         ("Committees", "Groups that decide")):
        assert f">{title}</a>" in cards and blurb.split("&")[0] in cards, title
    for unused in ("Principles", "Funding"):
        assert f">{unused}</a>" not in cards
    assert "none yet" not in home and "Interfaces are standard" not in home


def test_the_build_log_does_not_list_pages_left_out_of_the_nav(org):
    _, log = org  # nav_threshold 3: entity pages of the longer kinds are not in the nav, by design
    assert "not included in the" not in log
    assert len([line for line in log.splitlines() if line.startswith(("INFO", "WARNING"))]) <= 5, log


# --- in a browser: the tree folds ------------------------------------------------------------------

@pytest.mark.browser
def test_the_tree_folds_and_unfolds_in_a_browser(org):
    import functools
    import http.server
    import threading

    from test_browser import ARGS, CHROMIUM, _require_browser
    _require_browser()
    from playwright.sync_api import sync_playwright
    site, _ = org
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 390, "height": 844})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/teams/")
            tree = page.locator("article .hb-tree")
            checkout = tree.get_by_role("link", name="Checkout")
            assert checkout.is_visible()
            tree.locator("summary", has_text="Payments").click(position={"x": 2, "y": 5})  # not on its link
            assert not checkout.is_visible() and tree.get_by_role("link", name="Payments").is_visible()
            tree.locator("summary", has_text="Payments").click(position={"x": 2, "y": 5})
            assert checkout.is_visible()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/teams/checkout/")
            crumbs = page.locator("article .hb-breadcrumbs")
            crumbs.get_by_role("link", name="Payments").click()
            assert page.url.endswith("/departments/payments/")
            assert errors == []
            browser.close()
    finally:
        server.shutdown()
