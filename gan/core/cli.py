"""The command line's one argument parser: no abbreviations, and a suggestion for a typo.

argparse by default takes `--epoch` for `--epochs` (and would take `--e` for whichever option
it happens to prefix), and answers `--epohcs` with a usage dump that hides the one line that
matters. Every `gan` command (gan.cli) builds its parser with `Parser`, so a misspelt option gets
one line naming the close match. Standard library only: `--help` must answer before torch is imported.
"""

from __future__ import annotations

import argparse
import difflib
import re


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        """One line naming what was wrong (and the close match of a misspelt option), not a usage dump."""
        unknown = re.match(r"unrecognized arguments: (.*)", message)
        if unknown:
            hints = [self.suggest(arg) for arg in unknown.group(1).split() if arg.startswith("-")]
            message += "".join(f"; {h}" for h in hints if h)
        self.exit(2, f"{self.prog}: error: {message} (--help lists every option)\n")

    def suggest(self, arg: str) -> str:
        options = [s for a in self._actions for s in a.option_strings if s.startswith("--")]
        close = difflib.get_close_matches(arg.split("=", 1)[0], options, n=1, cutoff=0.6)
        return f"did you mean {close[0]}?" if close else ""
