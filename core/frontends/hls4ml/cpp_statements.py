"""The statements of an hls4ml project's C++, as its reader needs them: split at brace depth 0,
a function's body, sizes written as products of numbers and macros, field values, typedefs.
Errors are :class:`ProjectError`, naming the file and the line."""

from __future__ import annotations

import math
from typing import Any

from hlsfx.frontends.hls4ml.cpp_tokens import CppError, Token, integer, number, tokenize

__all__ = ["ProjectError", "body_of", "field_value", "size_factors", "spelling", "split_at"]
__all__ += ["statements_of", "typedef_of"]


class ProjectError(ValueError):
    """A project folder hlsfx cannot read; the message names the file and what is wrong."""


def spelling(tokens: list[Token]) -> str:
    """Tokens as one spelling (``ap_fixed<16,6>``, ``unsigned int``)."""
    out = ""
    for token in tokens:
        if out and out[-1].isalnum() | (out[-1] == "_") and token.kind in ("name", "number"):
            out += " "
        out += token.text
    return out


_OPEN, _CLOSE = {"(": ")", "[": "]", "{": "}", "<": ">"}, {")", "]", "}", ">", ">>"}


def split_at(tokens: list[Token], separator: str = ",") -> list[list[Token]]:
    """``tokens`` split at ``separator`` outside brackets (template brackets included)."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.text == separator and depth == 0:
            parts.append([])
            continue
        depth += (token.text in _OPEN) - (token.text in _CLOSE) - (token.text == ">>")
        parts[-1].append(token)
    return parts if parts != [[]] else []


_DECLARATIONS = ("struct", "class", "typedef", "enum", "union")
"""statements whose braces a ``;`` follows"""


def statements_of(tokens: list[Token], where: str) -> list[list[Token]]:
    """Statements at brace depth 0: ended by ``;``, or by the ``}`` of a function's body."""
    statements: list[list[Token]] = []
    current: list[Token] = []
    depth, head = 0, True  # head: no brace of this statement opened yet
    for token in tokens:
        current.append(token)
        if token.text == "{":
            if depth == 0 and head:
                initialised = any(t.text == "=" for t in current)
                declared = current[0].text in _DECLARATIONS
                head = False
                closes = not initialised and not declared
            depth += 1
        elif token.text == "}":
            depth -= 1
            if depth < 0:
                raise ProjectError(f"{where}, line {token.line}: a '}}' closes nothing")
            if depth == 0 and closes:
                statements.append(current)
                current, head = [], True
        elif token.text == ";" and depth == 0:
            statements.append(current[:-1])
            current, head = [], True
    if depth or current:
        raise ProjectError(f"{where}: the text ends inside a statement")
    return statements


def body_of(statement: list[Token], where: str) -> tuple[list[Token], list[Token]]:
    """The tokens before a statement's ``{`` and those inside its braces."""
    start = next((k for k, t in enumerate(statement) if t.text == "{"), None)
    if start is None or statement[-1].text != "}":
        raise ProjectError(
            f"{where}, line {statement[0].line}: {spelling(statement)[:60]!r} has no body"
        )
    return statement[:start], statement[start + 1 : -1]


def size_factors(
    tokens: list[Token], macros: dict[str, str], where: str, depth: int = 0
) -> list[int]:
    """The factors of a size, as hls4ml writes a shape (``8*8*4``, ``N_INPUT_1_1``): integer
    literals and macros of them."""
    dims = []
    for factor in split_at(tokens, "*"):
        if len(factor) != 1:
            spelled = spelling(tokens)[:60]
            raise ProjectError(
                f"{where}, line {tokens[0].line if tokens else '?'}: the size "
                f"{spelled!r} is not a product of numbers"
            )
        (token,) = factor
        if token.kind == "name" and token.text in macros and depth < 8:
            try:
                expanded = tokenize(macros[token.text], token.line, where)
            except CppError as error:
                raise ProjectError(str(error)) from None
            dims += size_factors(
                [t for t in expanded if t.text not in "()"], macros, where, depth + 1
            )
        elif token.kind == "number":
            try:
                dims.append(integer(token, where))
            except CppError as error:
                raise ProjectError(str(error)) from None
        else:
            raise ProjectError(
                f"{where}, line {token.line}: the size {token.text!r} is not a "
                "number or a macro of one"
            )
    if not dims:
        raise ProjectError(f"{where}: an empty size")
    return dims


def field_value(tokens: list[Token], macros: dict[str, str], where: str) -> Any:
    """A field's value: a number, ``true``/``false``, a size macro, or a name
    (``nnet::latency`` -> ``latency``)."""
    text = spelling(tokens)
    if len(tokens) == 1 and tokens[0].kind == "number":
        try:
            return number(tokens[0], where)
        except CppError as error:
            raise ProjectError(str(error)) from None
    if len(tokens) == 2 and tokens[0].text == "-" and tokens[1].kind == "number":
        return -field_value(tokens[1:], macros, where)
    if text in ("true", "false"):
        return text == "true"
    if all(t.kind == "number" or t.text in macros or t.text == "*" for t in tokens):
        return math.prod(size_factors(tokens, macros, where))
    return text.rsplit("::", 1)[-1]


def typedef_of(statement: list[Token]) -> tuple[str, str] | None:
    """``(spelling, alias)`` of ``typedef <type> alias``."""
    if len(statement) >= 3 and statement[0].text == "typedef" and statement[-1].kind == "name":
        return spelling(statement[1:-1]), statement[-1].text
    return None
