"""``python -m river``: the river command line."""

import sys

from river.cli import main

if __name__ == "__main__":
    sys.exit(main())
