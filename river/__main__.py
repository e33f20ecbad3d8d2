"""``python -m river``: the river command line."""

import sys

from river.cli import main

sys.exit(main())
