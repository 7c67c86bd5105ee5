"""What a `gan` command is: its line in `gan --help`, its options, and the function it runs."""

from __future__ import annotations

import argparse
import ast
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

from gan.core.cli import Parser


def module_doc(name: str) -> str:
    """The docstring of module `name`, read from its source without importing it (importing
    would load torch): a command's --help is the docstring of the module that does the work."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin:
        return ""
    with open(spec.origin, encoding="utf-8") as f:
        return ast.get_docstring(ast.parse(f.read())) or ""


class UsageError(Exception):
    """An option value a command refuses (found after parsing): reported as the parser reports a
    bad option, one line and exit status 2."""


@dataclass(frozen=True)
class Command:
    """One `gan` command: its line in `gan --help`, its options, and what it runs.

    `run(args)` checks what was typed (standard library only: paths, run folders, MNIST,
    weights), then imports the module that does the work and calls a function of it; its
    return value is the exit status (None: 0). `doc` names that module: its docstring is
    --help's description, read without importing it."""

    summary: str
    options: Callable[[Parser], None] | None
    run: Callable[[argparse.Namespace], int | None]
    doc: str = ""
    build: Callable[[str, list[str]], Parser] | None = None  # a parser that depends on the arguments (gan train's --recipe)
    raw: bool = False  # the module parses its own options: run gets the arguments as typed (gan dev webbench)

    def parser(self, prog: str, argv: list[str]) -> Parser:
        if self.build is not None:
            return self.build(prog, argv)
        p = Parser(prog=prog, description=module_doc(self.doc) if self.doc else self.summary)
        if self.options is not None:
            self.options(p)
        return p


@dataclass(frozen=True)
class Group:
    """Commands under one name (`gan dev <tool>`)."""

    summary: str
    commands: dict[str, Command]
