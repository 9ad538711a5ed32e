"""Reading a course file: YAML to plain values, keeping the line on which every field starts.

Nothing here knows what a course looks like (that is ``schema``); it only turns text into
mappings, lists and scalars, refusing what YAML cannot express safely (aliases that refer to
themselves, non-text keys, duplicate keys, files that expand without end), and remembers where
each value came from so every later problem can be told as ``file:line: field: problem``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from config.errors import DomainError

FieldPath = tuple[str | int, ...]

# Beyond any real course; stops a file of nested aliases from expanding without end.
_MAX_NODES = 200_000


class CourseFileError(DomainError):
    """The files were refused; ``errors`` holds one ``file:line: field: problem`` per problem."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


class CourseFileData(dict):
    """A parsed file: the plain mapping, plus the line on which each field starts."""

    def __init__(self, value: dict, *, source: str, lines: dict[FieldPath, int]):
        super().__init__(value)
        self.source = source
        self.lines = lines

    def line(self, path: FieldPath) -> int | None:
        """The line of ``path``, or of the nearest field around it (a missing field's parent)."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]

    def where(self, path: FieldPath) -> str:
        """``file:line: field``, the head of every message about ``path``."""
        line = self.line(path)
        head = f"{self.source}:{line}" if line is not None else self.source
        return f"{head}: {dotted(path)}" if path else head


def dotted(path: FieldPath) -> str:
    """``("course", "modules", 1, "title")`` as an author reads it: ``course.modules[1].title``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class _NodeReader:
    """Turns composed YAML nodes into plain values, noting the line of every field and item."""

    def __init__(self, source: str):
        self.source = source
        self.constructor = yaml.constructor.SafeConstructor()
        self.lines: dict[FieldPath, int] = {}
        self.errors: list[str] = []
        self.nodes = 0

    def error(self, node: yaml.Node, path: FieldPath, message: str) -> None:
        where = f"{self.source}:{node.start_mark.line + 1}"
        self.errors.append(f"{where}: {dotted(path)}: {message}" if path else f"{where}: {message}")

    def read(
        self, node: yaml.Node, path: FieldPath = (), stack: frozenset[int] = frozenset()
    ) -> Any:
        self.nodes += 1
        if self.nodes > _MAX_NODES:
            raise CourseFileError([f"{self.source}: the file is too large to be a course"])
        self.lines.setdefault(path, node.start_mark.line + 1)
        if id(node) in stack:
            self.error(node, path, "an alias refers to itself")
            return None
        inner = stack | {id(node)}
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = (
                    self.constructor.construct_object(key_node)
                    if isinstance(key_node, yaml.ScalarNode)
                    else None
                )
                if not isinstance(key, str):
                    self.error(key_node, path, "field names must be plain words")
                    continue
                if key in result:
                    self.error(key_node, (*path, key), "this field appears twice")
                    continue
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                result[key] = self.read(value_node, (*path, key), inner)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.read(item, (*path, i), inner) for i, item in enumerate(node.value)]
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self.error(node, path, f"cannot read this value ({getattr(exc, 'problem', exc)})")
            return None


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, source: str) -> str:
    problem = exc.problem or exc.context or "the file does not parse"
    mark = exc.problem_mark or exc.context_mark
    # An unclosed quote or bracket is only noticed at the end; where it opened helps more.
    if exc.context_mark and (mark is None or problem.startswith("found unexpected end")):
        mark = exc.context_mark
    line = mark.line + 1 if mark else 1
    lines = text.splitlines()
    near = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    message = f"{source}:{line}: not valid YAML"
    if near:
        message += f" at “{near[:80]}”"
    message += f": {problem}"
    if exc.context and exc.context_mark and exc.context_mark.line + 1 != line:
        message += f" ({exc.context} on line {exc.context_mark.line + 1})"
    return message


def course_file_parse(*, text: str, source: str) -> CourseFileData:
    """Parse one file's text; raises CourseFileError for YAML that does not parse."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise CourseFileError([_syntax_error(exc, text, source)]) from exc
    except yaml.YAMLError as exc:  # a reader error: bytes that are not text
        position = getattr(exc, "position", 0) or 0
        line = text[:position].count("\n") + 1
        raise CourseFileError([f"{source}:{line}: not valid YAML: {exc}"]) from exc
    if root is None:
        raise CourseFileError([f"{source}:1: the file is empty; it needs skills and a course"])
    reader = _NodeReader(source)
    value = reader.read(root)
    if reader.errors:
        raise CourseFileError(reader.errors)
    if not isinstance(value, dict):
        raise CourseFileError(
            [f"{source}:{root.start_mark.line + 1}: the file must be a mapping with a course"]
        )
    return CourseFileData(value, source=source, lines=reader.lines)


def course_file_load(*, path: str | Path) -> CourseFileData:
    """Read and parse a course file, keeping the line of every field for error messages."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CourseFileError([f"{source}: no such file"]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseFileError([f"{source}: cannot be read ({exc})"]) from exc
    return course_file_parse(text=text, source=source)
