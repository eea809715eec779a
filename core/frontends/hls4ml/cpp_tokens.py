"""C++ source of a project hlsfx did not write (an hls4ml project folder), read as tokens in
linear time: comments dropped, preprocessor conditions decided (``#if 0``, ``#ifdef`` and the
rest, ``__SYNTHESIS__`` defined, as the HLS tool compiles the design), object-like
``#define`` macros kept for sizes, numbers read as C++ reads them. Every error names the file
and the line."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MAX_SOURCE_BYTES", "CppError", "Token", "integer", "number", "read_source", "tokenize"]

MAX_SOURCE_BYTES = 16 << 20
"""the largest C++ source or header read"""

_TOKEN = re.compile(
    r"""(?P<space>[ \t\r\f\v]+)|(?P<newline>\n)|(?P<comment>//[^\n]*|/\*)|"""
    r"""(?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|"""
    r"""(?P<number>\.?\d(?:[\w.']|[eEpP][+-])*)|(?P<name>[A-Za-z_]\w*)|"""
    r"""(?P<punct>::|->|<<|>>|&&|\|\||[-+*/%<>=!&|^~?:;,.(){}\[\]#])|(?P<other>.)"""
)
_DIRECTIVE = re.compile(r"[ \t]*#[ \t]*(\w*)(.*)")
_DEFINED = {"__SYNTHESIS__": "1", "__cplusplus": "201402L"}
_INTEGER = re.compile(
    r"(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9]\d*)([uU]?[lL]{0,2}|[lL]{1,2}[uU])"
)


class CppError(ValueError):
    """C++ text hlsfx cannot read; the message names the file and the line."""


@dataclass(frozen=True)
class Token:
    """One token: its text, its kind (``name``, ``number``, ``string``, ``punct``) and the
    line it is on."""

    text: str
    kind: str
    line: int


def integer(token: Token, where: str) -> int:
    """An integer literal as C++ reads it (decimal, octal, hex or binary, digit separators
    ``'``, suffixes ``u``/``l``); anything else is a :class:`CppError`."""
    text = token.text.replace("'", "")
    match = _INTEGER.fullmatch(text)
    if match is None:
        raise CppError(f"{where}, line {token.line}: {token.text!r} is not a C++ integer")
    digits = match.group(1)
    if digits[:2] in ("0x", "0X", "0b", "0B"):
        return int(digits, 0)
    return int(digits, 8) if len(digits) > 1 and digits[0] == "0" else int(digits)


def number(token: Token, where: str) -> int | float:
    """An integer or floating literal as C++ reads it (``1.5f``, ``2e-3``, ``0x10``)."""
    text = token.text.replace("'", "")
    if re.fullmatch(r"(\d+\.\d*|\.\d+|\d+(?=[eE]))([eE][+-]?\d+)?[fFlL]?", text):
        return float(text.rstrip("fFlL"))
    return integer(token, where)


def _lines(text: str, where: str, comments: dict[int, str] | None) -> list[str]:
    """The lines of ``text`` with comments blanked (line numbers kept); the text of ``//``
    comments by line into ``comments``."""
    k, n, line = 0, len(text), 1
    chunk: list[str] = []
    while k < n:
        match = _TOKEN.match(text, k)
        assert match is not None  # the pattern matches any character
        kind, piece = match.lastgroup, match.group()
        if kind == "comment" and piece == "/*":
            end = text.find("*/", k + 2)
            if end < 0:
                raise CppError(f"{where}, line {line}: a /* comment is never closed")
            newlines = text.count("\n", k, end)
            chunk.append(" " + "\n" * newlines)
            line += newlines
            k = end + 2
            continue
        if kind == "comment":
            if comments is not None:
                comments[line] = piece[2:].strip()
            piece = " "
        line += kind == "newline"
        chunk.append(piece)
        k = match.end()
    return "".join(chunk).split("\n")


def _condition(expression: str, macros: Mapping[str, str], where: str, line: int) -> bool:
    expression = expression.strip()
    defined = re.fullmatch(r"!?\s*defined\s*\(?\s*(\w+)\s*\)?", expression)
    if defined:
        return (defined.group(1) in macros) != expression.startswith("!")
    value = macros.get(expression, expression)
    if re.fullmatch(r"\d+[uUlL]*", value):
        return int(value.rstrip("uUlL")) != 0
    raise CppError(
        f"{where}, line {line}: the condition #if {expression[:60]!r} is not one hlsfx "
        "decides (a number, a macro of one, or defined(NAME))"
    )


def _active_lines(
    text: str, where: str, macros: dict[str, str], comments: dict[int, str] | None
) -> Iterator[tuple[int, str]]:
    """The lines the compiler sees, numbered, after the conditions; ``#define``s go into
    ``macros``; other directives (``#include``, ``#pragma``) are dropped."""
    stack: list[tuple[bool, bool]] = []  # (this branch is on, some branch was taken)
    on = True
    for number_, line in enumerate(_lines(text, where, comments), 1):
        directive = _DIRECTIVE.match(line)
        if directive is None:
            if on:
                yield number_, line
            continue
        name, rest = directive.groups()
        if name in ("if", "ifdef", "ifndef"):
            if on:
                test = rest if name == "if" else f"{'!' if name == 'ifndef' else ''}defined({rest})"
                taken = _condition(test, macros, where, number_)
            else:
                taken = False
            stack.append((on, taken))
            on = on and taken
        elif name in ("elif", "else"):
            if not stack:
                raise CppError(f"{where}, line {number_}: #{name} without #if")
            outer, taken = stack[-1]
            now = (
                outer and not taken and (name == "else" or _condition(rest, macros, where, number_))
            )
            stack[-1] = (outer, taken or now)
            on = now
        elif name == "endif":
            if not stack:
                raise CppError(f"{where}, line {number_}: #endif without #if")
            on = stack.pop()[0]
        elif name == "define" and on:
            parts = rest.split(None, 1)
            if parts and re.fullmatch(r"\w+", parts[0]):
                macros[parts[0]] = parts[1].strip() if len(parts) > 1 else ""
        elif name == "undef" and on:
            macros.pop(rest.strip(), None)
    if stack:
        raise CppError(f"{where}: an #if is never closed")


def read_source(
    path: Path, macros: dict[str, str], comments: dict[int, str] | None = None
) -> list[Token]:
    """The tokens of the C++ file ``path`` the compiler sees; its ``#define``s are added to
    ``macros`` (shared across files, as includes share them), and the text of each line's
    ``//`` comment to ``comments``."""
    if path.is_symlink() or not path.is_file():
        raise CppError(
            f"{path} is missing or a symbolic link: hlsfx reads the project's own files only"
        )
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        raise CppError(f"{path} is {size:,} bytes, over the {MAX_SOURCE_BYTES:,} read")
    text = path.read_text(encoding="utf-8", errors="replace")
    where = str(path)
    for name, value in _DEFINED.items():
        macros.setdefault(name, value)
    tokens = []
    for line_number, line in _active_lines(text, where, macros, comments):
        tokens += tokenize(line, line_number, where)
    return tokens


def tokenize(text: str, line: int, where: str) -> list[Token]:
    """The tokens of one line of C++ without comments (a macro's value, say)."""
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or ""
        if kind in ("space", "newline"):
            continue
        if kind in ("other", "comment"):
            raise CppError(f"{where}, line {line}: {match.group()!r} is not C++")
        tokens.append(Token(match.group(), kind, line))
    return tokens
