"""The command line: one module per command; the dashboard's launch is in main.

``run`` is the installed ``sensortop`` script's entry point. It imports the
command line only once called, so a Ctrl-C while Python is still importing it
ends quietly with the shell's 130 instead of a traceback.
"""


def run() -> int:
    """Import the command line, then run it; an early Ctrl-C exits 130 quietly."""
    try:
        from sensortop.cli.main import main
    except KeyboardInterrupt:
        return 130
    return main()
