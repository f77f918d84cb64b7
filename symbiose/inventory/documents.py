"""Reading YAML and JSON documents from untrusted hands, bounded in size, depth and time.

``yaml.safe_load`` expands aliases (a 3.5 kB "billion laughs" file grows to gigabytes),
recurses once per nesting level, and keeps the last of two equal keys: a second ``supplies:``
silently replaces the first.  :func:`read_yaml` reads the parser's event stream instead and
builds the document itself, without recursion, refusing before anything is built:

* anchors and aliases (``&name``, ``*name``) and merge keys (``<<``): values are written out;
* a repeated key, with its path and line (every repeated key is listed);
* nesting deeper than :data:`~models.jsondoc.MAX_DEPTH`, more than :data:`MAX_NODES` values,
  a document larger than :data:`~models.jsondoc.MAX_DOCUMENT_BYTES`, or more than
  :data:`MAX_SECONDS` of reading;
* tags other than YAML's own scalar types (no ``!!python/...``, ``!!set``, ``!!omap``);
* ``.nan``, ``.inf`` and numbers too large for a float;
* integers YAML 1.1 would not read as written: ``010`` (octal 8), ``0x10``, ``1:30`` (base 60).

JSON goes through :func:`models.jsondoc.read_json`, which refuses the same things.  Both raise
:class:`~models.jsondoc.DocumentError`; :func:`read_document` turns it into an
:class:`~symbiose.inventory.errors.InventoryError` with field paths.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from typing import Any, NoReturn

import yaml

from models.jsondoc import (
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    MAX_INT_DIGITS,
    DocumentError,
    Loc,
    check_size,
    read_json,
)
from symbiose.inventory.errors import InventoryError, InventoryIssue

MAX_NODES = 5_000_000
"""Most values (scalars, lists and mappings) in a document; a 25,000-site inventory has ~1.5 M."""

MAX_SECONDS = 300.0
"""Longest a document may take to read; a 30 MB inventory reads in well under a minute."""

_CHECK_EVERY = 1 << 14  # events between two looks at the clock

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)\Z")
_MERGE = "tag:yaml.org,2002:merge"
_COLLECTION_TAGS = {None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_NO_KEY = object()

ALIAS_MESSAGE = (
    "YAML anchors and aliases (&name, *name) are not accepted in inventories: write the values out"
)


def read_document(data: str, fmt: str) -> Any:
    """Decode ``data`` as ``fmt`` (``json`` or ``yaml``) within the limits of this module.

    Raises:
        InventoryError: every problem found, with its field path.
    """
    try:
        return read_json(data) if fmt == "json" else read_yaml(data)
    except DocumentError as exc:
        raise InventoryError([InventoryIssue(loc, msg) for loc, msg in exc.problems]) from None


def _marked_fault(exc: yaml.MarkedYAMLError, max_depth: int) -> str:
    """The message of a YAML error PyYAML raised itself, with where it stands.

    libyaml (PyYAML's C reader, from 6.0.4) refuses deep nesting in its scanner, which reads
    ahead of the events the builder checks: its refusal is said in the project's words.
    """
    mark = exc.problem_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = str(exc.problem or exc)
    if "nesting" in problem or "nesting" in str(exc.context or ""):
        return f"nested more than {max_depth} levels deep{where}: an inventory needs only a few"
    return f"invalid YAML{where}: {problem}"


def read_yaml(
    text: str,
    *,
    max_bytes: int = MAX_DOCUMENT_BYTES,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
    seconds: float = MAX_SECONDS,
) -> Any:
    """Decode one YAML document, refusing what ``yaml.safe_load`` would read wrongly or slowly.

    Raises:
        DocumentError: the problems found (see the module's docstring), each with its path.
    """
    check_size(len(text.encode("utf-8", "surrogatepass")), max_bytes)
    loader = None
    try:
        loader = _Loader(text)  # the pure-Python reader checks the characters here
        return _Builder(loader, max_depth, max_nodes, time.monotonic() + seconds).run()
    except yaml.MarkedYAMLError as exc:
        raise DocumentError([((), _marked_fault(exc, max_depth))]) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = chr(exc.character) if isinstance(exc.character, int) else exc.character
        raise DocumentError(
            [
                (
                    (),
                    f"invalid YAML at line {line}, column {column}: the character {char!r} is"
                    " not allowed (control characters such as NUL cannot appear in YAML)",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise DocumentError([((), f"invalid YAML: {exc}")]) from None
    finally:
        if loader is not None:
            loader.dispose()


@dataclass
class _Frame:
    """A list or mapping being filled; ``key`` is the pending key of a mapping."""

    loc: Loc
    value: Any
    key: Any = _NO_KEY
    lines: dict[Any, int] = field(default_factory=dict)


def _where(event: Any) -> str:
    mark = event.start_mark
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown line"


def _part(key: Any) -> str | int:
    return key if isinstance(key, str) else str(key)


class _Builder:
    """Builds a document from parser events with an explicit stack (no recursion)."""

    def __init__(self, loader: Any, max_depth: int, max_nodes: int, deadline: float) -> None:
        self.loader = loader
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self.deadline = deadline
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.documents = 0
        self.nodes = 0
        self.repeated: list[tuple[Loc, str]] = []

    def refuse(self, event: Any, msg: str) -> NoReturn:
        raise DocumentError([(self.loc_of_next(), f"{msg} ({_where(event)})")])

    def loc_of_next(self) -> Loc:
        """The path of the value the next event starts."""
        if not self.stack:
            return ()
        top = self.stack[-1]
        if isinstance(top.value, list):
            return (*top.loc, len(top.value))
        return top.loc if top.key is _NO_KEY else (*top.loc, _part(top.key))

    def run(self) -> Any:
        count = 0
        while True:
            event = self.loader.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                break
            count += 1
            if not count % _CHECK_EVERY and time.monotonic() > self.deadline:
                self.refuse(event, "the document takes too long to read: split it")
            self.step(event)
        if self.repeated:
            raise DocumentError(self.repeated)
        return self.root

    def step(self, event: Any) -> None:
        if isinstance(event, yaml.AliasEvent):
            self.refuse(event, ALIAS_MESSAGE)
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            self.refuse(event, ALIAS_MESSAGE)
        if isinstance(event, yaml.ScalarEvent):
            self.count(event)
            self.add(self.scalar(event), event)
        elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            self.open(event)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            frame = self.stack.pop()
            self.add(frame.value, event)
        elif isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self.refuse(event, "the file holds several YAML documents (---): keep one")

    def count(self, event: Any) -> None:
        self.nodes += 1
        if self.nodes > self.max_nodes:
            self.refuse(event, f"the document holds more than {self.max_nodes:,} values: split it")

    def open(self, event: Any) -> None:
        if self.stack and self.stack[-1].key is _NO_KEY and isinstance(self.stack[-1].value, dict):
            self.refuse(event, "a mapping key must be plain text, not a list or a mapping")
        if event.tag not in _COLLECTION_TAGS:
            self.refuse(event, f"the YAML tag {event.tag!r} is not accepted")
        self.count(event)
        if len(self.stack) >= self.max_depth:
            self.refuse(
                event,
                f"nested more than {self.max_depth} levels deep: an inventory needs only a few",
            )
        value: Any = [] if isinstance(event, yaml.SequenceStartEvent) else {}
        self.stack.append(_Frame(self.loc_of_next(), value))

    def scalar(self, event: Any) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == _STR:
            return event.value
        if tag == _MERGE:
            self.refuse(event, "YAML merge keys (<<) are not accepted: write the keys out")
        make = yaml.SafeLoader.yaml_constructors.get(tag)
        if make is None or tag.endswith((":map", ":seq", ":omap", ":set", ":pairs")):
            self.refuse(event, f"the YAML tag {event.tag!r} is not accepted")
        fault = _literal_fault(tag, event.value)
        if fault:
            self.refuse(event, fault)
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            value = make(self.loader, node)
        except (ValueError, yaml.YAMLError):
            self.refuse(event, f"cannot read {_short(event.value)} as {tag.rsplit(':', 1)[-1]}")
        if isinstance(value, float) and not math.isfinite(value):
            self.refuse(
                event,
                f"{_short(event.value)} is not a finite number: write a number such as 1.5e9",
            )
        return value

    def add(self, value: Any, event: Any) -> None:
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        if isinstance(top.value, list):
            top.value.append(value)
        elif top.key is _NO_KEY:
            self.key(top, value, event)
        else:
            if top.key not in top.value:
                top.value[top.key] = value
            top.key = _NO_KEY

    def key(self, top: _Frame, key: Any, event: Any) -> None:
        line = event.start_mark.line + 1 if event.start_mark else 0
        if key in top.lines:
            what = "section" if not top.loc else "key"
            self.repeated.append(
                (
                    (*top.loc, _part(key)),
                    f"duplicate {what} {key!r} at line {line} (first at line {top.lines[key]}):"
                    " write each key once",
                )
            )
        else:
            top.lines[key] = line
        top.key = key


def _literal_fault(tag: str, text: str) -> str | None:
    """Why a number literal would not be read as written, or None.

    YAML 1.1 reads ``010`` as 8 (octal), ``0x10`` as 16 and ``1:30`` as 90 (base 60): an
    author writing a quantity means none of these.
    """
    if tag == _INT:
        digits = len(text.lstrip("+-"))
        if digits > MAX_INT_DIGITS:
            return f"an integer of {digits} digits is out of range (at most {MAX_INT_DIGITS})"
        if not _DECIMAL_INT.match(text):
            return (
                f"{_short(text)} is not a decimal integer (YAML reads a leading 0 as octal, 0x"
                " as hexadecimal, 0b as binary and colons as base 60): write it in decimal,"
                " or quote it as text"
            )
    if tag == _FLOAT and ":" in text:
        return f"{_short(text)} is a base-60 number in YAML: write it in decimal, or quote it"
    return None


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")
