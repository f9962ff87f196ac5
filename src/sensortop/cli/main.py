"""Commands and flags; nothing else. Each command's work lives in its own module.

Imports are kept light and late: a Ctrl-C in the first tenth of a second must
find ``main``'s handler already in place, not a half-imported module.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from sensortop import __version__
from sensortop.model.words import count_of

if TYPE_CHECKING:
    from sensortop.config.problems import ConfigError
    from sensortop.model.specs import Config

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 128 + signal.SIGINT  # 130, what a shell reports for Ctrl-C
SHIPPED_THEMES = ("control-room", "high-contrast-light")
"""The theme files in the repository's themes/ folder (a test keeps this list true)."""
MAX_DURATION = 10 * 366 * 86_400.0
"""--duration beyond ten years is a typo; leave it out to record until stopped."""
USAGE = ("sensortop [-h] [--version] [--config PATH] [--log-dir DIR] [--pubchem-url URL] "
         "[--theme NAME] [COMMAND ...]")


class UsageError(Exception):
    """A bad flag or environment value: printed as one line, exit 2."""



def _seconds(text: str) -> float:
    """--duration: a finite, positive number of seconds within ten years."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive, finite number of seconds; "
                                         f"got {text!r}")
    if value > MAX_DURATION:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_DURATION:,.0f} s (ten years); "
                                         f"leave it out to record until stopped")
    return value


def _workers(text: str) -> int:
    """--workers: a whole number of processes, 1 to 64."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"must be from 1 to 64; got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sensortop",
        usage=USAGE,
        description="A terminal dashboard for lab and process-plant sensors. "
                    "With no COMMAND, the dashboard starts.",
        epilog="Environment: SENSORTOP_CONFIG, SENSORTOP_LOG_DIR and SENSORTOP_PUBCHEM_URL "
               "stand in for the flags; SENSORTOP_SEED (a whole number) makes simulated "
               "sensors repeatable. Exit codes: 0 success, 1 runtime failure, "
               "2 bad usage or bad config, 130 interrupted (Ctrl-C).",
    )
    parser.add_argument("--version", action="version", version=f"sensortop {__version__}")
    parser.add_argument("--config", metavar="PATH",
                        help="config file (default: the built-in simulated reactor)")
    parser.add_argument("--log-dir", metavar="DIR", help="folder for the JSON Lines logs")
    parser.add_argument("--pubchem-url", metavar="URL", help="PubChem PUG REST base URL")
    parser.add_argument("--theme", metavar="NAME",
                        help=f"dashboard theme for this run: {', '.join(SHIPPED_THEMES)} "
                             "(shipped), any of Textual's built-in themes (textual-dark, "
                             "nord, gruvbox, ...), or one of your own theme files")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands",
                                prog="sensortop",
                                description="optional; with none, the dashboard starts")

    rec = sub.add_parser("record", help="sample and log headless, no dashboard")
    rec.add_argument("--config", dest="sub_config", metavar="PATH", help="config file")
    rec.add_argument("--log-dir", dest="sub_log_dir", metavar="DIR",
                     help="folder for the JSON Lines logs")
    rec.add_argument("--duration", type=_seconds, metavar="SECONDS",
                     help="stop after this many seconds")
    rec.add_argument("--publish", metavar="URL",
                     help="also publish every reading to MQTT: mqtt://host:port/prefix")
    rec.add_argument("--workers", type=_workers, default=1, metavar="N",
                     help="spread the sensors over N processes (one log; default 1)")

    rev = sub.add_parser("review", help="summarise and plot log files")
    rev.add_argument("paths", nargs="*", metavar="PATH", help="log files or folders")
    rev.add_argument("--sensor", action="append", metavar="ID", help="only these sensors")
    rev.add_argument("--plot", action="store_true", help="draw charts in the terminal")
    rev.add_argument("--export", choices=("csv", "parquet"),
                     help="write the selected readings, every field, to --output")
    rev.add_argument("--output", metavar="PATH", help="the file --export writes")
    _log_reading_flags(rev)

    kpi = sub.add_parser("alarms", help="alarm KPIs from the alarm journals (ISA-18.2)")
    kpi.add_argument("paths", nargs="*", metavar="PATH", help="journal files or log folders")
    _log_reading_flags(kpi)

    view = sub.add_parser("view", help="read-only dashboard following a running record")
    view.add_argument("logdir", nargs="?", metavar="LOGDIR",
                      help="the folder record writes to (default: the config's log_dir)")
    view.add_argument("--config", dest="sub_config", metavar="PATH",
                      help="config whose log folder to follow (and sensor names, limits)")
    view.add_argument("--log-dir", dest="sub_log_dir", metavar="DIR", help="log folder")

    look = sub.add_parser("lookup", help="PubChem properties of compounds")
    look.add_argument("names", nargs="+", metavar="NAME")
    look.add_argument("--pubchem-url", dest="sub_pubchem_url", metavar="URL",
                      help="PUG REST base URL")
    look.add_argument("--json", action="store_true",
                      help="print a JSON array with one object per name")

    comp = sub.add_parser("compact", help="archive finished logs as Parquet; apply retention")
    comp.add_argument("folder", nargs="?", metavar="LOGDIR",
                      help="log folder (default: --log-dir, SENSORTOP_LOG_DIR or the config's)")
    comp.add_argument("--config", dest="sub_config", metavar="PATH",
                      help="config whose log folder and [monitor] retention to use")
    for flag in ("keep-jsonl-days", "retain-days", "retain-gb", "retain-events-days"):
        comp.add_argument(f"--{flag}", type=_non_negative, metavar="N",
                          help=f"[monitor] {flag.replace('-', '_')} for this pass")
    comp.add_argument("--protect", action="append", default=[], metavar="RUN",
                      help=argparse.SUPPRESS)  # the caller's own run (record, dashboard)
    comp.add_argument("--background", action="store_true", help=argparse.SUPPRESS)
    comp.add_argument("--json", action="store_true", help="print a JSON report on stdout")

    check = sub.add_parser("check-config", help="validate a config file")
    check.add_argument("path", metavar="PATH")

    serve = sub.add_parser("serve", help="the read-only view in a browser (README "
                           "\"sensortop serve\")")
    serve.add_argument("logdir", nargs="?", metavar="LOGDIR",
                       help="the recorder's log folder (default: as for record)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=_port, default=8000, help="default 8000; 0: any free")
    serve.add_argument("--allow-remote", action="store_true",
                       help="allow a --host other machines can reach; a token is then required")
    serve.add_argument("--token", help="the token a browser must present (at least 16 "
                       "characters; better: $SENSORTOP_SERVE_TOKEN; generated if left out)")
    serve.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                       help="another name browsers use for this server (a DNS alias, a proxy)")
    return parser


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"must be a port number, 0 to 65535; got {text!r}")
    return int(text)


def _log_reading_flags(parser: argparse.ArgumentParser) -> None:
    """The flags ``review`` and ``alarms`` share: the time window, JSON, the log folder."""
    parser.add_argument("--since", metavar="T", help="ISO time, or relative like 2h, 30m, 1d")
    parser.add_argument("--until", metavar="T", help="ISO time, or relative like 2h, 30m, 1d")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--config", dest="sub_config", metavar="PATH",
                        help="config whose log folder to read")
    parser.add_argument("--log-dir", dest="sub_log_dir", metavar="DIR",
                        help="log folder to read")


def main(argv: list[str] | None = None) -> int:
    previous_term = previous_hup = None
    try:
        args = build_parser().parse_args(argv)
        if args.command == "record":
            # Until record's own handlers are in place, SIGTERM ends the start-up cleanly
            # and a SIGHUP (reload) is kept for once it has started.
            with contextlib.suppress(ValueError):  # not the main thread: leave it be
                previous_term = signal.signal(signal.SIGTERM, _terminated)
                previous_hup = signal.signal(signal.SIGHUP, _hung_up)
        return _dispatch(args)
    except KeyboardInterrupt:
        print("sensortop: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except UsageError as exc:
        print(f"sensortop: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # ConfigError, imported late with the config machinery
        from sensortop.config.problems import ConfigError

        if not isinstance(exc, ConfigError):
            raise
        _print_config_error(exc)
        return EXIT_USAGE
    finally:
        if previous_term is not None:
            signal.signal(signal.SIGTERM, previous_term)
        if previous_hup is not None:  # on the way out a reload is ignored, never a kill
            signal.signal(signal.SIGHUP, signal.SIG_IGN if previous_hup == signal.SIG_DFL
                          else previous_hup)


@contextlib.contextmanager
def deferred_interrupt() -> Iterator[None]:
    """Hold a Ctrl-C (and record's start-up SIGTERM) until the block is done, then act on it.

    For heavy imports: a KeyboardInterrupt in the middle of importing numpy's C
    extension left it half-initialised and the process died of SIGSEGV on the way out.
    """
    caught: list[int] = []
    held = [signal.SIGINT]
    if signal.getsignal(signal.SIGTERM) is _terminated:
        held.append(signal.SIGTERM)
    previous: dict[int, Any] = {}
    try:
        for signum in held:
            previous[signum] = signal.signal(signum, lambda signum, frame: caught.append(signum))
    except ValueError:  # not the main thread: signals are not ours to hold
        yield
        return
    try:
        yield
    finally:
        for held_signum, handler in previous.items():
            signal.signal(held_signum, handler)
    if signal.SIGTERM in caught:
        raise SystemExit(128 + signal.SIGTERM)
    if caught:
        raise KeyboardInterrupt


def _terminated(signum: int, frame: Any) -> NoReturn:
    raise SystemExit(128 + signum)


_HANGUPS: list[int] = []
"""SIGHUPs caught while ``record`` starts: it reloads once it runs (README "Running as a
service")."""


def _hung_up(signum: int, frame: Any) -> None:
    _HANGUPS.append(signum)


def _dispatch(args: argparse.Namespace) -> int:
    command = args.command
    for flag, names in (("--config", ("config", "sub_config")),
                        ("--log-dir", ("log_dir", "sub_log_dir")),
                        ("--pubchem-url", ("pubchem_url", "sub_pubchem_url"))):
        if any(getattr(args, name, None) == "" for name in names):
            # An empty $VARIABLE in a script: not the built-in default it would fall back to.
            raise UsageError(f"{flag} is empty")
    config_flag = getattr(args, "sub_config", None) or args.config
    log_dir_flag = getattr(args, "sub_log_dir", None) or args.log_dir
    if command == "check-config":
        from sensortop.config.loader import load_config

        config = _check_outputs(load_config(args.path, need_sensors=True))
        print(f"{args.path}: OK, {count_of(len(config.sensors), 'sensor')}")
        return EXIT_OK
    if command == "lookup":
        with deferred_interrupt():
            from sensortop.cli.lookup import run_lookup

        url = args.sub_pubchem_url or _pubchem_url(args)
        return run_lookup(args.names, url, args.json)
    if command in ("review", "alarms"):
        log_dir = log_dir_flag or os.environ.get("SENSORTOP_LOG_DIR")
        if log_dir is None and not args.paths:
            log_dir = str(_log_dir(_load(config_flag), None))
        if command == "alarms":
            with deferred_interrupt():
                from sensortop.cli.alarms import run_alarms
            return run_alarms(args.paths, args.since, args.until, args.json, log_dir)
        with deferred_interrupt():
            from sensortop.cli.review import run_review
        if (args.export is None) != (args.output is None):
            raise UsageError("review: --export and --output go together")
        return run_review(args.paths, args.sensor, args.since, args.until, args.plot, args.json,
                          log_dir, export=(args.export, args.output) if args.export else None)
    if command == "compact":
        return _compact(args, config_flag, log_dir_flag)
    if command == "serve":
        with deferred_interrupt():
            from sensortop.cli.serve import run_serve

        logdir = Path(args.logdir) if args.logdir else _log_dir(_load(config_flag), log_dir_flag)
        _check_log_dir(logdir)
        if not logdir.is_dir():  # every tab's viewer would refuse it: say so once, now
            raise UsageError(f"serve: the log folder {logdir} "
                             f"{'is not a folder' if logdir.exists() else 'does not exist'} "
                             "(the folder `sensortop record` writes to)")
        token = args.token or os.environ.get("SENSORTOP_SERVE_TOKEN") or None
        os.environ.pop("SENSORTOP_SERVE_TOKEN", None)  # the viewers have no use for it
        return run_serve(logdir, args.host, args.port, allow_remote=args.allow_remote,
                         token=token, allow_host=args.allow_host)
    if command == "view":
        with deferred_interrupt():
            from sensortop.cli.view import run_view
        if args.theme is not None:
            _check_theme(args.theme)
        config = _load(config_flag)
        if not (config_flag or os.environ.get("SENSORTOP_CONFIG")):
            # The built-in reactor's names and limits are not this folder's sensors'.
            from dataclasses import replace

            config = replace(config, sensors=[])
        log_dir = Path(args.logdir).expanduser() if args.logdir else _log_dir(config, log_dir_flag)
        _check_log_dir(log_dir)
        return run_view(config, log_dir, pubchem_url=_pubchem_url(args), theme=args.theme)
    _check_seed()
    if command is None and args.theme is not None:
        _check_theme(args.theme)
    config = _load(config_flag, need_sensors=command == "record")
    log_dir = _log_dir(config, log_dir_flag)
    _check_log_dir(log_dir)
    if command == "record":
        with deferred_interrupt():
            import asyncio

            from sensortop.cli.record import record

        if args.publish:
            from sensortop.sinks.mqtt_client import BrokerAddress

            try:
                BrokerAddress.parse(args.publish)
            except ValueError as exc:
                raise UsageError(f"record: --publish: {exc}") from None
        if args.workers > 1:
            if args.publish or config.outputs:
                raise UsageError("record: --workers writes the log only; leave out --publish "
                                 "and [[outputs]], or --workers")
            from sensortop.cli.record_workers import record_workers
            return asyncio.run(record_workers(config, log_dir, args.duration, args.workers))
        return asyncio.run(record(config, log_dir, args.duration, args.publish,
                                  reload=_reloader(config, log_dir_flag),
                                  early_hangups=_HANGUPS))
    with deferred_interrupt():
        from sensortop.tui.launch import run_dashboard
    return run_dashboard(config, log_dir=log_dir, pubchem_url=_pubchem_url(args),
                         theme=args.theme)


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0; got {text!r}")
    return value


def _compact(args: argparse.Namespace, config_flag: str | None, log_dir_flag: str | None) -> int:
    with deferred_interrupt():
        from sensortop.cli.compact import run_compact, settings_from

    config = _load(config_flag)
    folder = Path(args.folder) if args.folder else _log_dir(config, log_dir_flag)
    settings = settings_from(config.monitor, args.keep_jsonl_days, args.retain_days or None,
                             args.retain_gb or None, args.retain_events_days or None)
    return run_compact(folder, settings, args.protect, args.json, args.background)


def _load(flag: str | None, need_sensors: bool = False) -> Config:
    from sensortop.config.files import resolve_config_path
    from sensortop.config.loader import load_config

    return _check_outputs(load_config(resolve_config_path(flag), need_sensors=need_sensors))


def _reloader(config: Config, log_dir_flag: str | None) -> Callable[[], Config]:
    """``record``'s SIGHUP: the same file, checked as at start, its log folder as chosen then."""
    from dataclasses import replace

    from sensortop.config.loader import load_config

    path = config.path

    def load() -> Config:
        new = _check_outputs(load_config(path, need_sensors=True)) if path else config
        return replace(new, monitor=replace(new.monitor, log_dir=_log_dir(new, log_dir_flag)))

    return load


def _check_outputs(config: Config) -> Config:
    """The ``[[outputs]]`` kinds' own fields, checked by the sinks layer that knows them."""
    from sensortop.config.problems import ConfigError
    from sensortop.sinks.registry import check_outputs

    problems = check_outputs(config)
    if problems:
        raise ConfigError(problems)
    return config


def _log_dir(config: Config, flag: str | None) -> Path:
    """--log-dir, else $SENSORTOP_LOG_DIR, else the config's; the built-in config logs to ./logs."""
    from sensortop.config.files import default_config_path

    chosen = flag or os.environ.get("SENSORTOP_LOG_DIR")
    if chosen:
        return Path(chosen).expanduser()
    if config.path is not None and config.path == default_config_path():
        return Path("logs")
    return config.monitor.log_dir


def _check_log_dir(path: Path) -> None:
    """A log folder that can never be one is bad usage, found before sampling starts.

    A folder that exists but cannot be written is left to the recorder, which keeps
    every reading and says so (a disk can also fill or fail later).
    """
    text = str(path)
    if "\0" in text:
        raise UsageError(f"the log folder {text!r} contains a NUL character")
    if not text.strip():
        raise UsageError("the log folder is an empty path")
    try:
        is_file = path.exists() and not path.is_dir()
    except OSError as exc:  # e.g. a name too long for the file system
        raise UsageError(f"the log folder {path} cannot be used: {exc}") from None
    if is_file:
        raise UsageError(f"the log folder {path} exists and is not a folder")


def _check_seed() -> None:
    """SENSORTOP_SEED must be a whole number: checked once here, not by each sensor."""
    seed = os.environ.get("SENSORTOP_SEED")
    if seed:
        try:
            int(seed)
        except ValueError:
            raise UsageError(f"SENSORTOP_SEED must be a whole number; got {seed[:40]!r}") from None


def _check_theme(name: str) -> None:
    """An unknown --theme is bad usage; the theme files are read only when one is asked for."""
    with deferred_interrupt():
        from textual.theme import BUILTIN_THEMES

        from sensortop.tui.themes import load_themes

    themes, _ = load_themes()
    known = list(dict.fromkeys([t.name for t in themes] + list(BUILTIN_THEMES)))
    if name not in known:
        raise UsageError(f"--theme: no theme named {name[:60]!r}; known: {', '.join(known)}")


def _pubchem_url(args: argparse.Namespace) -> str:
    from sensortop.pubchem.routes import resolve_base_url  # the one place the default lives

    return resolve_base_url(args.pubchem_url)


def _print_config_error(exc: ConfigError) -> None:
    count = len(exc.problems)
    print(f"sensortop: the config has {count_of(count, 'problem')}:", file=sys.stderr)
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)
