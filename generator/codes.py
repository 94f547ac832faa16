"""Every diagnostic code, with what it means and how to fix it (`handbook explain <code>`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    severity: str
    title: str
    explanation: str
    fix: str


CODES: dict[str, Code] = {
    # --- reading files
    "yaml-syntax": Code("error", "The file is not valid YAML",
                        "The YAML parser stopped at this position. Common causes are an unclosed quote, a value "
                        "containing ': ' without quotes, or inconsistent indentation.",
                        "Look at the line shown and the one above it. Quote text that contains ': ' or starts with "
                        "a special character (@, `, *, &, !, %, {, [)."),
    "yaml-tab": Code("error", "Tab used for indentation",
                     "YAML forbids tab characters for indentation.", "Replace the tabs with spaces (two per level)."),
    "yaml-alias": Code("error", "Anchors and aliases are not supported",
                       "`&name` and `*name` let one value stand in many places. They make files hard to edit in a "
                       "web editor and allow 'billion laughs' files that explode in memory, so they are refused.",
                       "Write the value out in each place."),
    "yaml-tag": Code("error", "Custom YAML tag", "Tags such as `!!python/object` are not allowed in handbook files.",
                     "Remove the tag and write a plain value."),
    "duplicate-key": Code("error", "The same key twice in one mapping",
                          "YAML would silently keep only the last value, so the first is lost without a word.",
                          "Remove one of them, or merge their content."),
    "invalid-date": Code("error", "Not a valid date",
                         "Dates are written as YYYY-MM-DD and must exist in the calendar.",
                         "Fix the date, e.g. `last_reviewed: 2026-03-31`."),
    "encoding": Code("error", "Not UTF-8", "Handbook files must be UTF-8 text.", "Save the file as UTF-8."),
    "empty-file": Code("error", "Empty file", "The file has no content.",
                       "Fill in the fields, or create it with `handbook new <kind> \"<Name>\"`."),
    "not-a-mapping": Code("error", "Top level is not a mapping",
                          "Each file describes one entity as `field: value` lines; a list or a single value at the "
                          "top level is not an entity.", "Start the file with `name: …` and the other fields."),
    "multiple-documents": Code("error", "More than one YAML document",
                               "A second `---` starts a second document; each file holds one entity.",
                               "Move the second entity to its own file."),
    "too-deep": Code("error", "Nesting too deep", "The file nests lists or mappings deeper than the limit.",
                     "Handbook entities need only a few levels; flatten the structure."),
    "file-too-large": Code("error", "File too large", "Files over the size limit are refused unread.",
                           "Split the entity or shorten its prose."),
    "not-a-regular-file": Code("error", "Link, FIFO or device in the handbook",
                               "Only regular files are read. A symbolic link could point at any file on the machine "
                               "that runs the check (a CI secret, say), and a FIFO or a device could hang the check "
                               "or read without end, so they are refused without being opened.",
                               "Replace the link with the file it points at, or remove it."),
    "unreadable": Code("error", "File cannot be read", "The operating system refused to read the file.",
                       "Check the file's permissions."),
    # --- files and ids
    "no-handbook": Code("error", "No handbook folder", "The folder with the handbook's YAML files was not found.",
                        "Create `handbook/`, or point `handbook check` or the plugin's `handbook_dir` at it."),
    "missing-file": Code("error", "handbook.yaml is missing",
                         "handbook.yaml names the operating system, its owner, its review date and its pillars.",
                         "Create handbook/handbook.yaml."),
    "unknown-kind": Code("error", "Folder is not a kind of entity",
                         "Entities live in principles/, rituals/, interfaces/, funding/ or teams/.",
                         "Rename the folder, or move its files into the right one."),
    "misplaced-file": Code("error", "YAML file outside a kind folder",
                           "Only handbook.yaml lives at the top of the handbook folder.",
                           "Move the file into the folder of its kind."),
    "stray-file": Code("warning", "File that is not YAML", "Files other than .yaml in kind folders are ignored.",
                       "Remove the file, or rename it to .yaml if it is an entity."),
    "invalid-id": Code("error", "File name is not a valid id",
                       "An entity's id is its file name, and ids are lower-case slugs: letters, digits, and words "
                       "joined by a single hyphen or underscore. Dots, capitals, spaces, non-ASCII letters and "
                       "leading or doubled separators are not allowed, and two ids of a kind may not differ only "
                       "by a hyphen against an underscore (they read as the same name).",
                       "Rename the file, e.g. `Weekly Review.yaml` to `weekly-review.yaml`, and update references."),
    "reference-to-broken-file": Code("warning", "A reference to an entity whose file has errors",
                                     "The entity exists (its file is in the handbook) but its file could not be read "
                                     "or has errors of its own, reported at that file. The reference is not wrong; it "
                                     "cannot be followed until that file is fixed.",
                                     "Fix the errors of the file named in the message."),
    "duplicate-id": Code("error", "Two entities share an id", "Two files (or two pillars) claim the same id.",
                         "Rename one of them and update the references to it."),
    "shadows-page": Code("error", "An entity at the place of a generated page",
                         "An entity's page is published at <kind>/<id>/. Some of those places belong to pages "
                         "the site makes itself (interfaces/conformance/, each kind's index) or to another "
                         "entity's page (`a` and `a/index`), which this one would silently replace.",
                         "Rename the file (its id is its file name), and update the references to it."),
    # --- schema
    "unknown-field": Code("error", "Unknown field",
                          "The field is not part of this kind's schema. It is usually a typo, which would otherwise be "
                          "ignored silently.", "Use the suggested name, or remove the field."),
    "missing-field": Code("error", "Required field missing", "This kind requires the field.",
                          "Add the field; `handbook schema` and the editor completion show what it expects."),
    "wrong-type": Code("error", "Value has the wrong type",
                       "YAML guesses types: `no`, `yes`, `on` and `off` are booleans and `1.10` is the number 1.1. "
                       "Where the schema expects text, such values are refused.",
                       "Quote the value: `status: \"no\"`, `version: \"1.10\"`."),
    "invalid-value": Code("error", "Value not allowed", "The value is outside what the field accepts.",
                          "Use one of the values listed in the message."),
    "unknown-reference": Code("error", "Reference to an unknown id",
                              "A field refers to another entity by id, and no entity of that kind has this id.",
                              "Fix the typo (see the suggestion), or create the entity."),
    "too-many-links": Code("error", "Too many [[…]] links in one file",
                           "A file may hold at most 1,000 links to entities written in prose (`[[teams/checkout]]`); "
                           "the rest are not read, so that no file can make the check or the build run for long.",
                           "Split the text over several entities, or link each entity once."),
    "deprecation-cycle": Code("error", "deprecated_by forms a cycle",
                              "Following `deprecated_by` from interface to interface leads back to the start, so no "
                              "interface is the current one.", "End the chain at an interface that is not deprecated."),
    "parent-cycle": Code("error", "A hierarchy's parents form a cycle",
                         "Following the `parent: true` field from entity to entity leads back to the start, so the "
                         "hierarchy has no top.", "Point one of them at an entity above the cycle, or leave its "
                         "parent out to make it a top."),
    "model": Code("error", "The handbook's model cannot be built",
                  "handbook/model.yaml declares the handbook's own fields, vocabularies, lints and kinds. This part "
                  "of it names an unknown type, kind or vocabulary, narrows a built-in field (a handbook may only "
                  "widen one: text to markdown, integer to number, one value to several with `many: true`), or "
                  "uses a name the site needs for itself, so no file could be checked against it.",
                  "Fix the declaration at the line shown; the hint lists what is allowed. The format is in the "
                  "README, section \"Make it your own\", and in schemas/model.schema.json."),
    "template": Code("error", "Template error", "A Jinja template failed while rendering a page.",
                     "Fix the template at the line shown; templates use StrictUndefined, so a misspelt name fails."),
    "model-version": Code("error", "model.yaml of another format version",
                          "handbook/model.yaml says on its `version:` line which format it is written in, and "
                          "the installed handbook-generator does not read that format: the file is newer than "
                          "the package, or the package dropped an old format.",
                          "Upgrade the package, or make the changes the message lists and update `version:` "
                          "(README, \"Upgrading\")."),
    "template-version": Code("error", "Template written for other packaged templates",
                             "A template in the project's templates/ folder says on its first line "
                             "(`handbook-templates: N`) which version of the packaged templates it was copied from "
                             "or extends, and the installed handbook-generator's templates changed since in a way "
                             "that breaks it (or are older than it).",
                             "Make the changes the message lists (README, \"Upgrading\"), then update the version "
                             "on its first line; or install the version the project was made with."),
    # --- lints
    "unconsumed-interface": Code("warning", "Interface nobody consumes",
                                 "No team consumes it and no ritual takes it as input. Producing it costs time for no "
                                 "reader.", "Add it to a consumer, or retire it."),
    "unproduced-interface": Code("warning", "Interface nobody produces",
                                 "No team provides it and no ritual outputs it, so whoever depends on it waits.",
                                 "Add it to a team's `provides` or a ritual's `outputs`."),
    "zombie-ritual": Code("warning", "Ritual without outputs or decisions",
                          "A ritual that produces no interface and makes no decision costs everyone's time.",
                          "List what it produces and decides, or retire it."),
    "missing-required-interface": Code("warning", "Team does not provide a required interface",
                                       "Interfaces with `conformance: required` are provided by every team.",
                                       "Add the interface to the team's `provides`."),
    "funding-targets-infeasible": Code("warning", "Funding targets cannot sum to 100 %",
                                       "The low ends of the targets add up to more than 100 %, or the high ends to "
                                       "less, so no allocation can meet every target.",
                                       "Adjust the ranges."),
    "allocation-not-100": Code("warning", "Team allocation does not sum to 100 %",
                               "A team's funding split is a share of its capacity and must add up to 100.",
                               "Correct the percentages."),
    "too-many-categories": Code("warning", "Team split across too many funding categories",
                                "A team funded from more categories than `thresholds.max_categories` (default 4) in its "
                                "latest period is usually spread too thin, and each small share means little.",
                                "Merge or drop the smallest categories."),
    "review-overdue": Code("warning", "Past its review date",
                           "The entity was last reviewed longer ago than its review period (review_every_days, or "
                           "review_period_days in handbook.yaml).",
                           "Review it with its owner and update `last_reviewed`."),
    "page-link-in-prose": Code("error", "Link to a page file inside prose",
                               "Text fields are rendered to sanitised HTML before MkDocs sees the page, so MkDocs "
                               "does not turn `x.md` links into page addresses: the link would lead nowhere.",
                               "Link to an entity with `[[kind/id]]` (e.g. `[[teams/checkout]]`, or "
                               "`[[teams/checkout|the checkout team]]`): it is checked, rendered as a link and "
                               "listed on the target page. Or relate the entities with a reference field."),
    "leftover-todo": Code("warning", "TODO placeholder left in a file",
                          "`handbook new` writes starters whose required values are TODO placeholders, so that "
                          "the file is valid at once; left as they are, they would be published.",
                          "Replace each TODO with the real value. `handbook check --strict` (and the CI "
                          "workflow's annotations) fail on them; `lints: {leftover-todo: error}` in model.yaml "
                          "makes them errors."),
    "review-in-future": Code("error", "Last review date in the future",
                             "`last_reviewed` says when the page was last reviewed. A date after today is a typo "
                             "(2062 for 2026) and would keep the page out of review reminders for years.",
                             "Write the date of the last review that took place."),
    "deprecated-in-use": Code("warning", "Deprecated interface still in use",
                              "A ritual or team still depends on an interface that has been deprecated.",
                              "Move to the replacing interface."),
    # --- allocation as a hypothesis: when the percentages lie (thresholds: model.yaml `thresholds:`)
    "allocation-unchanged": Code("warning", "Allocation unchanged for too many periods",
                                 "The team planned exactly the same split for more periods in a row than the model's "
                                 "`thresholds.unchanged_periods` (default 2). A split nobody revisits is copied "
                                 "forward, not planned: it says what the team once intended, not what it does.",
                                 "Review the split at the next planning: change it, or write in the allocation's "
                                 "`note` why it still holds."),
    "allocation-drift": Code("warning", "Planned and actual allocation diverge",
                             "For a period, the actual share of a funding category differs from the planned one by "
                             "more than `thresholds.drift_points` percentage points (default 10). The plan is then "
                             "a poor guide to where the time went, e.g. \"growth bets 2026-Q3 planned 40 % → actual "
                             "25 %\".",
                             "Explain the gap in the capacity allocation report and plan the next period from the "
                             "actual; if the method (`method:`) is a guess, say so with `confidence: low`."),
    "allocation-expired": Code("warning", "Allocation past its expiry",
                               "Every allocation expires: the team's latest allocation is past its `expires` date, "
                               "or past its period's end plus `thresholds.expiry_days` (default 45). Its "
                               "percentages describe a period that is over.",
                               "Add an allocation for the current period (planned), and the actual of the last one."),
    "rebuild-without-exit": Code("warning", "Rebuild that never reaches its exit criteria",
                                 "The team has drawn on a rebuild category (`role: rebuild`) for more periods in a row "
                                 "than `thresholds.rebuild_periods` (default 2). A rebuild that does not end has "
                                 "become the team's normal, and its percentage hides it.",
                                 "Take it to the rebuild review: check the category's exit criteria, end the rebuild "
                                 "or fund the work in the category it really is."),
    "red-without-rebuild": Code("warning", "Red health checks and zero rebuilding",
                                "The team's latest health checks (`thresholds.red_checks`, default 1) are red and its "
                                "latest allocation has nothing in a rebuild category. Zero rebuilding does not mean "
                                "every team is healthy; it can mean nobody asked.",
                                "Bring the team to the rebuild review, or note why the red check needs no capacity."),
    "catch-all-absorbs": Code("warning", "A catch-all category absorbs the rest",
                              "A category marked `role: catch-all` (keep the lights on, other) takes more than "
                              "`thresholds.catch_all_percent` (default 30) of the team's allocation. The split adds "
                              "up to 100 % only because that category takes whatever is left.",
                              "Name the work inside it and move it to the categories it serves."),
    "hidden-dependency": Code("warning", "A percentage hides a small team's full-time dependency",
                              "In a team of at most `thresholds.small_team_headcount` people (default 4), a "
                              "category's share is less than one person: 10 % of 3 people is 0.3 of a person, so "
                              "someone does it full-time or nobody does, and the headcount-weighted totals hide "
                              "that other teams depend on it.",
                              "State the share as whole people, or fund the dependency explicitly."),
    "pillar-shares-not-100": Code("warning", "Pillar shares do not sum to 100 %",
                                  "A funding category's `pillar_shares` give the share of its time per pillar; "
                                  "they must add up to 100.", "Correct the shares."),
    "allocation-written-twice": Code("warning", "Team writes both funding and allocations",
                                     "`funding` is the allocation of one undated period, kept for older handbooks; "
                                     "a team that writes `allocations` states them per period, and its `funding` is "
                                     "ignored.", "Move the split into an allocation for its period and remove "
                                                 "`funding`."),
    "interaction-disagrees": Code("warning", "The two sides of an interaction disagree",
                                  "Two teams each write their interaction with the other, with different modes or "
                                  "notes, so the pages tell two stories.",
                                  "Write the interaction once, on one team (the other page shows it as their "
                                  "side), or make both sides say the same."),
    "deadline-not-input": Code("warning", "Deadline for an interface the ritual does not consume",
                               "A ritual's `deadlines` say when an input is due before it; this interface is not "
                               "among its `inputs`.", "Add the interface to `inputs`, or remove the deadline."),
    # --- measured allocation (model.yaml `evidence:`: the work tracker's exports)
    "evidence-file": Code("error", "Evidence export missing or refused",
                          "An `evidence.sources` path names no file of the project, or leaves it. Exports are read "
                          "only from inside the project, never through a link, never from the network.",
                          "Export the issues into the project (e.g. `evidence/jira.csv`), commit them, and write "
                          "the path relative to the project root."),
    "evidence-format": Code("error", "Export in a form the readers do not know",
                            "The file's headers are not those of a Jira CSV (`Issue key`, `Summary`, `Issue Type`, "
                            "`Status`, `Created`, `Resolved`), a Linear CSV (`ID`, `Title`, `Status`, `Created`, "
                            "`Completed`) or GitHub issues JSON; or it is not comma-separated, not UTF-8 (a "
                            "spreadsheet's UTF-16 'Unicode text'), or lacks a column model.yaml names.",
                            "Export again from the tracker (Jira: Export > CSV (all fields); Linear: Export CSV; "
                            "GitHub: `gh issue list --json …`), or save the file as CSV UTF-8 with commas."),
    "evidence-row": Code("error", "Ragged row in an export",
                         "A row has more or fewer cells than the header: usually a quote left open or a comma "
                         "inside an unquoted cell, after an edit by hand.",
                         "Export the file again rather than editing it, or quote the cell."),
    "evidence-date": Code("error", "Date the export readers do not understand",
                          "Readers understand Jira's `14/Jul/26 3:42 PM`, ISO timestamps, `14.07.2026` and "
                          "`2026/07/14`, with English month names; any other form would be guessed, so it is refused.",
                          "Export with one of these forms (Jira: set the date format in the profile or system "
                          "settings)."),
    "evidence-value": Code("error", "Estimate that is not a number", "Story points must be a number.",
                           "Correct the estimate in the tracker and export again, or leave the cell empty (the "
                           "issue then weighs `unestimated`)."),
    "evidence-declaration": Code("error", "Evidence declaration names an unknown team or category",
                                 "A rule's `category` is not a funding category, or a team map names no team.",
                                 "Use an id of `funding/` or `teams/`."),
    "reported-vs-measured": Code("warning", "Reported and measured allocation differ",
                                 "For a period, a category's share as the team reported it (`actual`) and as measured "
                                 "from the tracker's exports differ by more than `thresholds.measured_points` "
                                 "(default 15). One of them is wrong: the report or the rules.",
                                 "Look at the top parents of the category on the team's page; correct the report, "
                                 "or the rules in model.yaml `evidence.categories`."),
    "planned-vs-measured": Code("warning", "Planned and measured allocation differ (nothing reported)",
                                "The team reported no actual for the period, and its plan and the measured split "
                                "differ by more than `thresholds.measured_points` (default 15).",
                                "Report the period's actual, or explain the gap at the next planning."),
    "low-coverage": Code("warning", "Measured allocation mostly uncategorised",
                         "More than `thresholds.uncategorised_percent` (default 25) of a team's measured effort "
                         "matches no rule: the measure is not to be trusted either.",
                         "Add rules to model.yaml `evidence.categories` (by label, type, project, component, parent "
                         "or field), or label the work in the tracker."),
    "unmapped-team": Code("warning", "Tracker values that map to no team",
                          "Issues whose team column holds a value that is neither in `team.map` nor a team id are "
                          "left out of every measure.",
                          "Add the value to the source's `team: {column, map}`."),
    "evidence-stale": Code("warning", "Exports older than the threshold",
                           "The newest record of the exports is older than `thresholds.evidence_days` (default 30) "
                           "days: the measured allocation describes work long past.",
                           "Export the issues again and commit the files."),
    "cadence-not-understood": Code("warning", "A cadence that begins like a period but was not understood",
                                   "The text starts with a period word (weekly, every, monthly…) but is not a "
                                   "period the tool reads, so it is taken as the event that triggers the ritual: "
                                   "it gets no dates, no calendar events and no meeting load.",
                                   "Write the period as people say it (`weekly`, `every 3 weeks`, `monthly (first "
                                   "Tuesday)`, `biweekly, camera on`), or write `{trigger: …}` if an event starts it."),
    "ritual-phase-unknown": Code("warning", "Which weeks a ritual meets in is not stated",
                                 "The ritual meets every few weeks or months on a named day, but no first session "
                                 "says which weeks: the calendar counts the cycle from the week of Monday 1 January "
                                 "2001, which may be the other week.",
                                 "Give the first session: `starts: 2026-03-03T09:00`, or `day: Tuesday (from "
                                 "2026-03-03)`."),
    "meeting-load": Code("warning", "Too many hours a week in rituals",
                         "A team or person is required in regular meetings for more hours a week than "
                         "`thresholds.meeting_hours` in model.yaml (computed from cadence, duration and "
                         "participants; a team's members attend its rituals).",
                         "Make some participation optional, meet less often or shorter, or retire a ritual."),
    "ritual-overlap": Code("warning", "Two rituals need the same people at the same time",
                           "In the next quarter, two meetings that require the same team or person overlap, "
                           "computed session by session in each ritual's own time zone.",
                           "Move one of them (`day`, `time`, `starts`), or make the participation optional."),
    "outside-working-hours": Code("warning", "A ritual outside a participant's working day",
                                  "A required participant who declares a `timezone` would meet before or after "
                                  "their working day (`thresholds.working_hours` in model.yaml, in their zone), "
                                  "e.g. a 07:00 meeting for someone eight hours away.",
                                  "Move the meeting to a time inside everyone's day, rotate it, or make the "
                                  "participation optional."),
}


# Codes that lints report: a handbook's model may switch each off or make it an error.
LINT_CODES = {
    "unconsumed-interface", "unproduced-interface", "zombie-ritual", "missing-required-interface",
    "funding-targets-infeasible", "allocation-not-100", "too-many-categories", "review-overdue",
    "page-link-in-prose", "deprecated-in-use", "deprecation-cycle", "review-in-future",
    "allocation-unchanged", "allocation-drift", "allocation-expired", "rebuild-without-exit", "red-without-rebuild",
    "catch-all-absorbs", "hidden-dependency", "pillar-shares-not-100", "allocation-written-twice",
    "interaction-disagrees", "deadline-not-input",
    "reported-vs-measured", "planned-vs-measured", "low-coverage", "unmapped-team", "evidence-stale",
    "cadence-not-understood", "ritual-phase-unknown", "meeting-load", "ritual-overlap", "outside-working-hours",
    "parent-cycle",
}
