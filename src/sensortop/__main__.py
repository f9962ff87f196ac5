"""``python -m sensortop``."""

import sys

try:
    from sensortop.cli.main import main
except KeyboardInterrupt:  # Ctrl-C while still starting: exit as a shell expects, quietly
    sys.exit(130)

sys.exit(main())
