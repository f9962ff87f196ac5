"""``python -m sensortop``."""

import sys

from sensortop.cli import main

sys.exit(main())
