"""``python -m sensortop``: the same entry point as the installed script."""

import sys

from sensortop.cli import run

sys.exit(run())
