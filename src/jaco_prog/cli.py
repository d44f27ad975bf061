# Copyright 2026 jaco_prog maintainers
# SPDX-License-Identifier: Apache-2.0
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

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
    parser.commands = sub.choices  # name -> the command's parser, for its own error messages
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # said by the command's own parser, so that its usage (not the top level's) comes with it
        said_by = parser.commands.get(args.command, parser)
        said_by.error(f"unrecognized arguments: {' '.join(unknown)}")
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
