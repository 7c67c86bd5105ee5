"""`python -m gan.bench`: the Space's benchmark, gan/tools/bench.py, under its short name."""

import runpy

if __name__ == "__main__":
    runpy.run_module("gan.tools.bench", run_name="__main__", alter_sys=True)
