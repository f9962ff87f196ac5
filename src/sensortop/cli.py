"""Commands and flags; nothing else. Each command's work lives in its own module."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from sensortop import __version__
from sensortop.config import (
    Config,
    ConfigError,
    default_config_path,
    load_config,
    resolve_config_path,
)

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sensortop",
        description="A terminal dashboard for lab and process-plant sensors.",
        epilog="Environment: SENSORTOP_CONFIG, SENSORTOP_LOG_DIR and SENSORTOP_PUBCHEM_URL "
               "stand in for the flags. Exit codes: 0 success, 1 runtime failure, "
               "2 bad usage or bad config.",
    )
    parser.add_argument("--version", action="version", version=f"sensortop {__version__}")
    parser.add_argument("--config", help="config file (default: the built-in simulated reactor)")
    parser.add_argument("--log-dir", help="folder for the JSON Lines logs")
    parser.add_argument("--pubchem-url", help="PubChem PUG REST base URL")
    parser.add_argument("--theme", help="theme name")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    rec = sub.add_parser("record", help="sample and log headless, no dashboard")
    rec.add_argument("--config", dest="sub_config", help="config file")
    rec.add_argument("--log-dir", dest="sub_log_dir", help="folder for the JSON Lines logs")
    rec.add_argument("--duration", type=float, help="stop after this many seconds")
    rec.add_argument("--publish", metavar="URL",
                     help="also publish every reading to MQTT: mqtt://host:port/prefix")

    rev = sub.add_parser("review", help="summarise and plot log files")
    rev.add_argument("paths", nargs="*", metavar="PATH", help="log files or folders")
    rev.add_argument("--sensor", action="append", metavar="ID", help="only these sensors")
    rev.add_argument("--since", metavar="T", help="ISO time, or relative like 2h, 30m, 1d")
    rev.add_argument("--until", metavar="T", help="ISO time, or relative like 2h, 30m, 1d")
    rev.add_argument("--plot", action="store_true", help="draw charts in the terminal")
    rev.add_argument("--json", action="store_true", help="machine-readable output")
    rev.add_argument("--config", dest="sub_config", help="config whose log folder to read")
    rev.add_argument("--log-dir", dest="sub_log_dir", help="log folder to read")

    look = sub.add_parser("lookup", help="PubChem properties of compounds")
    look.add_argument("names", nargs="+", metavar="NAME")
    look.add_argument("--pubchem-url", dest="sub_pubchem_url", help="PUG REST base URL")
    look.add_argument("--json", action="store_true", help="print a JSON array, one object per name")

    check = sub.add_parser("check-config", help="validate a config file")
    check.add_argument("path", metavar="PATH")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except ConfigError as exc:
        _print_config_error(exc)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_FAILURE


def _dispatch(args: argparse.Namespace) -> int:
    command = args.command
    config_flag = getattr(args, "sub_config", None) or args.config
    log_dir_flag = getattr(args, "sub_log_dir", None) or args.log_dir
    if command == "check-config":
        config = load_config(args.path)
        print(f"{args.path}: OK, {len(config.sensors)} sensors")
        return EXIT_OK
    if command == "lookup":
        from sensortop.lookup_cli import run_lookup

        url = args.sub_pubchem_url or _pubchem_url(args)
        return run_lookup(args.names, url, args.json)
    if command == "review":
        from sensortop.review_cli import run_review

        log_dir = log_dir_flag or os.environ.get("SENSORTOP_LOG_DIR")
        if log_dir is None and not args.paths:
            log_dir = str(_log_dir(_load(config_flag), None))
        return run_review(args.paths, args.sensor, args.since, args.until, args.plot, args.json,
                          log_dir)
    config = _load(config_flag)
    log_dir = _log_dir(config, log_dir_flag)
    if command == "record":
        from sensortop.record import record

        if args.duration is not None and args.duration <= 0:
            print("sensortop record: --duration must be positive", file=sys.stderr)
            return EXIT_USAGE
        if args.publish:
            from sensortop.publish import BrokerAddress

            try:
                BrokerAddress.parse(args.publish)
            except ValueError as exc:
                print(f"sensortop record: --publish: {exc}", file=sys.stderr)
                return EXIT_USAGE
        return asyncio.run(record(config, log_dir, args.duration, args.publish))
    from sensortop.tui.app import run_dashboard

    return run_dashboard(config, log_dir=log_dir, pubchem_url=_pubchem_url(args),
                         theme=args.theme)


def _load(flag: str | None) -> Config:
    return load_config(resolve_config_path(flag))


def _log_dir(config: Config, flag: str | None) -> Path:
    """--log-dir, else $SENSORTOP_LOG_DIR, else the config's; the built-in config logs to ./logs."""
    chosen = flag or os.environ.get("SENSORTOP_LOG_DIR")
    if chosen:
        return Path(chosen).expanduser()
    if config.path is not None and config.path == default_config_path():
        return Path("logs")
    return config.monitor.log_dir


def _pubchem_url(args: argparse.Namespace) -> str:
    from sensortop.pubchem.client import resolve_base_url  # the one place the default lives

    return resolve_base_url(args.pubchem_url)


def _print_config_error(exc: ConfigError) -> None:
    count = len(exc.problems)
    print(f"sensortop: the config has {count} problem{'s' if count != 1 else ''}:",
          file=sys.stderr)
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)
