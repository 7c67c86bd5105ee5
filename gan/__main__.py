"""`python -m gan <command>`: the `gan` command line (gan.cli), in a checkout without the package installed."""

import sys

from gan.cli import main

if __name__ == "__main__":  # not when multiprocessing's spawn re-imports this module in a worker
    sys.exit(main())
