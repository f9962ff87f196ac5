"""An action program for the tests: writes what it was given (stdin, argv, SENSORTOP_* env)
as one JSON object to the file named by its first argument, then exits with the
status in its second argument (default 0)."""

import json
import os
import sys

received = {
    "stdin": sys.stdin.read(),
    "argv": sys.argv[1:],
    "env": {k: v for k, v in os.environ.items() if k.startswith("SENSORTOP_")},
}
temp = f"{sys.argv[1]}.{os.getpid()}.tmp"  # two runs at once must not share a temp file
with open(temp, "w", encoding="utf-8") as out:
    json.dump(received, out)
os.replace(temp, sys.argv[1])
if len(sys.argv) > 2 and sys.argv[2].isdigit() and sys.argv[2] != "0":
    print("the pager is out of paper", file=sys.stderr)
    sys.exit(int(sys.argv[2]))
