"""`jaco-prog` command line. Each module in jaco_prog.commands adds one subcommand through `register(subparsers)`."""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from jaco_prog import __version__, commands
from jaco_prog.config import ConfigError
from jaco_prog.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jaco-prog",
        description="Sim-to-real Jaco reaching with progressive networks (Rusu et al., CoRL 2017). "
                    "Run `jaco-prog COMMAND --help` for each command.")
    parser.add_argument("--version", action="version", version=f"jaco_prog {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        importlib.import_module(f"{commands.__name__}.{info.name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (UserError, ConfigError, FileNotFoundError) as err:
        print(f"jaco-prog {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"jaco-prog {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
