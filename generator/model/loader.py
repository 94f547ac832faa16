"""Load: read one YAML file into plain Python values, remembering where every value stood.

We build values from libyaml's event stream with an explicit stack instead of `yaml.safe_load`
because the safe loader keeps the last of two duplicate keys silently, expands aliases (a
"billion laughs" file explodes when walked) and its C composer recurses, crashing the process on
deeply nested input. Walking events lets us refuse all three with a located error, in one pass.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import yaml

from ..diagnostics import Diagnostic, excerpt

try:  # PyYAML's libyaml binding: ~10x faster than the pure-Python parser.
    from yaml import CSafeLoader as _EventLoader
except ImportError:  # pragma: no cover - only on installs without libyaml
    from yaml import SafeLoader as _EventLoader

MAX_FILE_BYTES = 512 * 1024
MAX_DEPTH = 32

Position = tuple[int, int]  # 1-based line and column

_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()
_CONSTRUCT = {
    "tag:yaml.org,2002:null": _constructor.construct_yaml_null,
    "tag:yaml.org,2002:bool": _constructor.construct_yaml_bool,
    "tag:yaml.org,2002:int": _constructor.construct_yaml_int,
    "tag:yaml.org,2002:float": _constructor.construct_yaml_float,
    "tag:yaml.org,2002:timestamp": _constructor.construct_yaml_timestamp,
}
_STR_TAG = "tag:yaml.org,2002:str"
DROPPED = object()  # the key of a value that is read but not kept (after a duplicate key)


TOO_DEEP = (f"nesting is deeper than {MAX_DEPTH} levels",
            "handbook entities need only a few levels; flatten the structure")
NO_ALIASES = "write the values out; anchors and aliases make files hard to edit"
NOT_REGULAR = {
    "symlink": ("symbolic links are not followed in the handbook",
                "replace the link with the file itself; a link could point at any file on the machine"),
    "special": ("not a regular file (a FIFO, device or socket); it is not read",
                "handbook entities are plain YAML files"),
}


class YamlProblem(Exception):
    """A problem that stops reading the file, at a position."""

    def __init__(self, position: Position, code: str, message: str, hint: str | None = None):
        super().__init__(message)
        self.position, self.code, self.message, self.hint = position, code, message, hint

    def diagnostic(self, rel: str) -> Diagnostic:
        return Diagnostic(rel, self.position[0], self.position[1], "error", self.code, self.message, self.hint)


@dataclass
class Document:
    """One loaded YAML file: its data, and where each value and key stood in the text."""

    path: str  # project-relative, for messages
    data: Any
    # id(container) -> {key: (key position, value position)} for mappings, [position] for sequences
    marks: dict[int, Any] = field(default_factory=dict, repr=False)
    # YAML scalars that were read as something other than text: id(container) -> {key|index: source}
    sources: dict[int, Any] = field(default_factory=dict, repr=False)
    start: Position = (1, 1)  # where the top-level value begins (after leading comments)
    text: str | None = field(default=None, repr=False)  # the file as read; None for data built in memory

    def _walk(self, loc: Sequence[Any]):
        """Yield (container, key) pairs along `loc` as far as the data goes."""
        node = self.data
        for part in loc:
            if isinstance(node, dict) and isinstance(part, str) and part in node:
                yield node, part
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                yield node, part
                node = node[part]
            else:
                return

    def position(self, loc: Sequence[Any], *, key: bool = False) -> Position:
        """Where the value at `loc` (or its key, with `key=True`) stands; the nearest known parent
        if the path goes further than the data (a missing field points at its parent)."""
        pos: Position = self.start
        for container, part in self._walk(loc):
            marks = self.marks.get(id(container))
            if marks is None:  # data built in memory, not read from a file
                break
            mark = marks[part]
            pos = mark if isinstance(container, list) else mark[0 if key else 1]
        return pos

    def value(self, loc: Sequence[Any]) -> Any:
        """The value at `loc` as the file has it (before validation strips or converts it), or None."""
        pairs = list(self._walk(loc))
        if len(pairs) != len(loc):
            return None
        if not pairs:
            return self.data
        container, part = pairs[-1]
        return container[part]

    def source_text(self, loc: Sequence[Any]) -> str | None:
        """The text YAML read at `loc`, when it was not read as text (`no`, `1.10`)."""
        pairs = list(self._walk(loc))
        if len(pairs) != len(loc) or not pairs:
            return None
        container, part = pairs[-1]
        return self.sources.get(id(container), {}).get(part)


def _problem(rel: str, position: Position, code: str, message: str,
             hint: str | None = None) -> tuple[None, list[Diagnostic]]:
    return None, [Diagnostic(rel, position[0], position[1], "error", code, message, hint)]


def read_regular(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file, at most `limit` of them. Refuses what a hostile pull request
    could put in its place: a symbolic link (to a secret outside the handbook), a FIFO (hangs), a
    device (reads without end). Raises YamlProblem; OSError if the system refuses."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP or path.is_symlink():  # O_NOFOLLOW refuses a link with ELOOP
            raise YamlProblem((0, 0), "not-a-regular-file", *NOT_REGULAR["symlink"]) from None
        raise
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise YamlProblem((0, 0), "not-a-regular-file", *NOT_REGULAR["special"])
        if info.st_size > limit:
            raise YamlProblem((0, 0), "file-too-large", f"file is {info.st_size:,} bytes; the limit is {limit:,}",
                              "split the entity, or move long prose out of the handbook data")
        raw = fh.read(info.st_size + 1)
        if len(raw) > info.st_size:  # it grew after fstat: read on, but never past the limit
            raw += fh.read(limit + 1 - len(raw))
    if len(raw) > limit:
        raise YamlProblem((0, 0), "file-too-large", f"file is over {limit:,} bytes", "split the entity")
    return raw


def load_file(path: Path, rel: str) -> tuple[Document | None, list[Diagnostic]]:
    """Read and parse one file. Returns the document, or None and the reasons."""
    try:
        raw = read_regular(path)
    except YamlProblem as exc:
        return None, [exc.diagnostic(rel)]
    except OSError as exc:
        return _problem(rel, (0, 0), "unreadable", f"cannot read file: {exc.strerror or type(exc).__name__}")
    return parse_text(raw, rel)


def parse_text(raw: bytes, rel: str) -> tuple[Document | None, list[Diagnostic]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return _problem(rel, (line, col), "encoding", f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
                       "save the file as UTF-8")
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        return _problem(rel, (1, 1), "empty-file", "file is empty",
                       "fill in the fields, or start from `handbook new <kind> \"<Name>\"`")
    doc = Document(rel, None, text=text)
    problems: list[YamlProblem] = []  # found on the way; reading goes on after them
    try:
        doc.data = _build(text, doc, problems)
    except YamlProblem as exc:
        problems.append(exc)
    except yaml.YAMLError as exc:
        problems.append(YamlProblem(*_describe_yaml_error(exc, text)))
    if problems:
        return None, [p.diagnostic(rel) for p in problems]
    if not isinstance(doc.data, dict):
        found = {list: "a list", type(None): "nothing", str: "a line of text"}.get(type(doc.data), "a single value")
        return _problem(rel, doc.start, "not-a-mapping", f"expected a mapping of fields at the top level, found {found}",
                       "each file describes one entity as `field: value` lines")
    return doc, []


def _pos(mark) -> Position:
    return mark.line + 1, mark.column + 1


# The implicit tags of plain scalars by first character, as yaml's Resolver keeps them: asking
# this table directly is the resolver's own rule without its per-call bookkeeping.
_IMPLICIT = {first: tuple(rules) + tuple(_resolver.yaml_implicit_resolvers.get(None, []))
             for first, rules in _resolver.yaml_implicit_resolvers.items() if first is not None}


def _plain_tag(value: str) -> str:
    for tag, regexp in _IMPLICIT.get(value[:1], ()):
        if regexp.match(value):
            return tag
    return _STR_TAG


def _scalar(event) -> tuple[Any, bool]:
    """The value of a scalar event, and whether YAML read it as something other than text."""
    plain = not event.style  # libyaml reports '' for plain scalars, the pure-Python parser None
    tag = event.tag
    if tag is None or tag == "!":
        tag = (_plain_tag(event.value) if event.implicit[0] else _STR_TAG) if plain else _STR_TAG
    if tag == _STR_TAG or (tag.endswith(":int") and ":" in event.value):
        # YAML 1.1 reads 9:00 as the base-60 number 540; people mean a time of day: keep the text.
        return event.value, False
    construct = _CONSTRUCT.get(tag)
    if construct is None:
        raise YamlProblem(_pos(event.start_mark), "yaml-tag", f"unsupported YAML tag '{excerpt(event.tag)}'",
                          "remove the tag; handbook files use plain values")
    try:
        return construct(yaml.ScalarNode(tag, event.value)), True
    except ValueError as exc:
        if tag.endswith("timestamp"):
            raise YamlProblem(_pos(event.start_mark), "invalid-date",
                              f"'{excerpt(event.value)}' is not a valid date ({excerpt(exc, 80)})",
                              "write dates as YYYY-MM-DD, e.g. 2026-03-31") from None
        raise YamlProblem(_pos(event.start_mark), "invalid-value", f"cannot read '{excerpt(event.value)}': {excerpt(exc, 80)}") from None


_SCALAR, _MAP_START, _SEQ_START = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
_MAP_END, _SEQ_END, _ALIAS, _DOC_START = yaml.MappingEndEvent, yaml.SequenceEndEvent, yaml.AliasEvent, \
    yaml.DocumentStartEvent


def _build(text: str, doc: Document, problems: list[YamlProblem]) -> Any:
    """Turn the event stream into dicts, lists and scalars, recording positions as we go.
    Problems that leave the rest of the file readable (a duplicate key) go to `problems`.

    This loop runs once per YAML event (~70 per file): it is the hottest code of `handbook check`,
    hence written out flat, without helper calls per event."""
    loader = _EventLoader(text)
    get_event = loader.get_event
    marks, sources = doc.marks, doc.sources
    # The open containers; for a mapping, the pending key and its position (key None: none
    # pending; DROPPED: the value after a duplicate key, read but not kept).
    containers: list[Any] = []
    is_map: list[bool] = []
    keys: list[Any] = []
    key_positions: list[Any] = []
    root: Any = None
    documents = 0
    try:
        while True:
            event = get_event()
            if event is None:
                break
            cls = event.__class__
            if cls is _SCALAR or cls is _MAP_START or cls is _SEQ_START:
                if event.anchor is not None:
                    raise YamlProblem(_pos(event.start_mark), "yaml-alias",
                                      f"anchors (&{excerpt(event.anchor)}) are not supported", NO_ALIASES)
                mark = event.start_mark
                pos = (mark.line + 1, mark.column + 1)
                if cls is _SCALAR:
                    value, non_text = event.value, None
                    # Quoted text, or plain text no implicit type can claim by its first character,
                    # is text as written; anything else is resolved as the YAML resolver would.
                    if event.tag is not None or not (event.style or _IMPLICIT.get(value[:1]) is None):
                        value, converted = _scalar(event)
                        non_text = event.value if converted else None
                else:
                    if len(containers) >= MAX_DEPTH:
                        raise YamlProblem(pos, "too-deep", *TOO_DEEP)
                    value, non_text = ({} if cls is _MAP_START else []), None
                    marks[id(value)] = {} if cls is _MAP_START else []
                if not containers:
                    root, doc.start = value, pos
                else:
                    container = containers[-1]
                    if not is_map[-1]:
                        marks[id(container)].append(pos)
                        if non_text is not None:
                            sources.setdefault(id(container), {})[len(container)] = non_text
                        container.append(value)
                    elif keys[-1] is None:  # this is a key
                        if cls is not _SCALAR:
                            raise YamlProblem(pos, "yaml-syntax", "a mapping key must be a plain name",
                                              "write `name: value`; complex keys are not supported")
                        key = "" if value is None else (non_text if non_text is not None else str(value))
                        if key in container:
                            first = marks[id(container)][key][0]
                            problems.append(YamlProblem(pos, "duplicate-key",
                                                        f"duplicate key '{excerpt(key)}' (first defined on line "
                                                        f"{first[0]})", "YAML would silently keep only the last one; "
                                                        "remove or merge one of them"))
                            key = DROPPED
                        keys[-1], key_positions[-1] = key, pos
                    else:
                        key = keys[-1]
                        keys[-1] = None
                        if key is not DROPPED:
                            container[key] = value
                            marks[id(container)][key] = (key_positions[-1], pos)
                            if non_text is not None:
                                sources.setdefault(id(container), {})[key] = non_text
                if cls is not _SCALAR:
                    containers.append(value)
                    is_map.append(cls is _MAP_START)
                    keys.append(None)
                    key_positions.append(None)
            elif cls is _MAP_END or cls is _SEQ_END:
                containers.pop()
                is_map.pop()
                keys.pop()
                key_positions.pop()
            elif cls is _ALIAS:
                raise YamlProblem(_pos(event.start_mark), "yaml-alias",
                                  f"aliases (*{excerpt(event.anchor)}) are not supported", NO_ALIASES)
            elif cls is _DOC_START:
                documents += 1
                if documents > 1:
                    raise YamlProblem(_pos(event.start_mark), "multiple-documents",
                                      "file holds more than one YAML document",
                                      "keep one entity per file; remove the extra `---`")
    finally:
        loader.dispose()
    return root


_HINTS = [
    ("while scanning a quoted scalar", "a quote is not closed; close it, or use a `|` block for long text"),
    ("mapping values are not allowed here", "a value containing ': ' must be quoted, e.g. summary: \"Goal: ship\""),
    ("could not find expected ':'", "each line must be `field: value`; check indentation and quotes"),
    ("did not find expected key", "check the indentation of this line against the lines above"),
    ("expected <block end>", "check the indentation of this line against the lines above"),
]


def _describe_yaml_error(exc: yaml.YAMLError, text: str) -> tuple[Position, str, str, str | None]:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if "end of stream" in str(getattr(exc, "problem", "")) and getattr(exc, "context_mark", None):
        mark = exc.context_mark  # an unclosed quote: point at where it opened, not at the end of the file
    position = _pos(mark) if mark is not None else (1, 1)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"{problem} ({context})" if context else problem
    if "maximum nesting depth" in message:  # libyaml >= 0.2.6 stops runaway nesting in its scanner
        return position, "too-deep", *TOO_DEEP
    lines = text.splitlines() or [""]
    line_text = lines[min(position[0], len(lines)) - 1]
    if "\t" in line_text[: position[1]]:
        return position, "yaml-tab", "tab character where YAML expects spaces", \
            "YAML does not allow tabs for indentation; indent with spaces"
    plain = _plain_words(message, lines, position)
    if plain is not None:
        return position, "yaml-syntax", *plain
    hint = next((h for needle, h in _HINTS if needle in message), None)
    return position, "yaml-syntax", message, hint


_KEY = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][A-Za-z0-9_]{0,40}):\s")


def _plain_words(message: str, lines: list[str], position: Position) -> tuple[str, str] | None:
    """The two mistakes people make most, in their own terms: a colon inside a value, and a key
    of a list item indented differently from the item's first key."""
    line = lines[min(position[0], len(lines)) - 1]
    if "mapping values are not allowed" in message:
        key = _KEY.match(line)
        field = key.group(1) if key else "field"
        if key is not None and position[1] == key.end(1) + 1:  # the line's own key: it is indented too far
            above = next((t for t in reversed(lines[:position[0] - 1]) if t.strip() and not t.lstrip().startswith("#")), "")
            want = len(above) - len(above.lstrip(" "))
            return (f"`{field}:` is indented further than the line above, so YAML reads it as part of that value",
                    f"indent it like the key above ({_spaces(want)}), or under a `- ` item if it belongs to one")
        return ("a colon followed by a space inside a value: YAML reads what follows as another key",
                f'quote the whole value, e.g. {field}: "…: …", or use a `|` block for long text')
    if "expected '-' indicator" in message or "did not find expected key" in message:
        item = _list_item_above(lines, position[0])
        indent = len(line) - len(line.lstrip(" "))
        if item is not None and indent != item[1]:
            return (f"this line is indented {_spaces(indent)}, but the keys of the list item on line {item[0]} "
                    f"are indented {_spaces(item[1])}",
                    f"line up every key of a list item with its first key (the one after `- `): indent this "
                    f"line by {_spaces(item[1])}")
    return None


def _spaces(n: int) -> str:
    return "1 space" if n == 1 else f"{n} spaces"


def _list_item_above(lines: list[str], number: int) -> tuple[int, int] | None:
    """(line number, indentation of its keys) of the nearest `- key:` line above line `number`."""
    for i in range(number - 2, max(number - 200, 0) - 1, -1):
        text = lines[i]
        stripped = text.lstrip(" ")
        if stripped.startswith("- ") and _KEY.match(text):
            return i + 1, len(text) - len(stripped) + 2
        if stripped and not stripped.startswith("#") and len(text) - len(stripped) == 0:
            return None  # back at the top level: not inside a list item
    return None
