"""The `gan` command line: `gan <command> [options]`, and `gan dev <tool> [options]` for the
developer tools. `pip install -e .` installs the `gan` script (pyproject.toml); in a checkout
without it, `python -m gan <command>` is the same command line.

    commands.py   what users run: train, evaluate, ship, publish, synth, lab, project, bench, human-eval
    dev.py        what developers run: the trainers of the Space's own models, benchmarks, load tests...
    command.py    what a command is (its options, what it runs); the parser itself is gan.core.cli.Parser

Every parser is declared in these modules, which import the standard library and gan's light
modules only (gan.core.config, gan.core.inputs, gan.core.weights), so `gan --help` and every
`gan <command> --help` answer without importing torch. A command first checks what was typed
(paths, run folders, MNIST, weights: each problem one sentence, in a fraction of a second),
then imports the module that does the work and calls one of its functions.
"""

from __future__ import annotations

import difflib
import sys

from gan.core.errors import DataError, LaunchError, RunFolderError, WeightsError

from .command import Command, Group, UsageError
from .commands import COMMANDS
from .dev import TOOLS

TABLE: dict[str, Command | Group] = {**COMMANDS, "dev": Group("the developer tools (gan dev --help lists them)", TOOLS)}


def overview(prog: str, table: dict[str, Command | Group]) -> str:
    width = max(map(len, table)) + 2
    lines = [f"usage: {prog} <command> [options]" + ("   (python -m gan <command> in a checkout without the package installed)"
                                                     if prog == "gan" else ""), "",
             f"`{prog} <command> --help` describes a command and its options.", "", "commands:"]
    lines += [f"  {name:<{width}}{entry.summary}" for name, entry in table.items()]
    return "\n".join(lines)


def dispatch(prog: str, table: dict[str, Command | Group], argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(overview(prog, table))
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in table:
        close = difflib.get_close_matches(name, list(table), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else ""
        sys.exit(f"{prog}: error: no command {name!r}{hint} ({prog} --help lists them)")
    entry = table[name]
    if isinstance(entry, Group):
        return dispatch(f"{prog} {name}", entry.commands, rest)
    parser = entry.parser(f"{prog} {name}", rest)
    try:
        return entry.run(rest if entry.raw else parser.parse_args(rest)) or 0
    except UsageError as e:
        parser.error(str(e))
    except (DataError, WeightsError, RunFolderError, LaunchError) as e:  # what was typed, or found, in one sentence
        sys.exit(f"error: {e}")


def main(argv: list[str] | None = None) -> int:
    """The `gan` script (pyproject.toml) and `python -m gan`: returns the exit status."""
    return dispatch("gan", TABLE, sys.argv[1:] if argv is None else list(argv))
