#!/usr/bin/env python3
"""One-file set-up: create or reuse ``.venv``, install sensortop into it, then run.

    python3 dev.py [ARGS...]      launch the dashboard (any sensortop arguments pass through)
    python3 dev.py test [ARGS...] run the whole test suite (pytest arguments pass through)

Needs nothing but Python 3.11+. The virtual environment is reinstalled only when
``pyproject.toml`` changes, so the second run starts at once.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("SENSORTOP_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".sensortop-installed"


def _wanted_stamp() -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    return f"{digest} {sys.version_info[:2]}"


def ensure_venv() -> None:
    """Create the venv and (re)install the project with its test extras when needed."""
    if not PYTHON.exists():
        print(f"dev.py: creating virtual environment in {VENV}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    wanted = _wanted_stamp()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("dev.py: installing sensortop and its dependencies (once)", file=sys.stderr)
    result = subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-e", f"{ROOT}[test,bench]"],
    )
    if result.returncode != 0:
        sys.exit("dev.py: installing failed (pip's message is above); nothing was changed "
                 "that a second run cannot finish - run the same command again")
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    ensure_venv()
    if argv[:1] == ["test"]:
        return subprocess.call([str(PYTHON), "-m", "pytest", *argv[1:]], cwd=ROOT)
    return subprocess.call([str(PYTHON), "-m", "sensortop", *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
