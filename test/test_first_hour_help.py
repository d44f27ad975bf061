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

"""Issue 28, item 9: every `jaco-prog COMMAND --help` shows the default of every option that takes a value."""
from __future__ import annotations

import argparse
import re

import pytest

from jaco_prog.cli import build_parser


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def shown_help(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """The action's help as --help prints it (%(default)s expanded), on one line."""
    return " ".join(parser._get_formatter()._expand_help(action).split())


def takes_a_value(action: argparse.Action) -> bool:
    """Options given with a value; flags (store_true / store_const) have no default worth showing."""
    return bool(action.option_strings) and action.nargs != 0 and not action.required \
        and not isinstance(action, argparse._HelpAction)


def missing_defaults(parser: argparse.ArgumentParser) -> list[str]:
    missing = []
    for action in filter(takes_a_value, parser._actions):
        text = shown_help(parser, action)
        concrete = action.default not in (None, [], "")
        value = " ".join(map(str, action.default)) if isinstance(action.default, (list, tuple)) else str(action.default)
        if "default" not in text or (concrete and value not in text):
            missing.append(f"{'/'.join(action.option_strings)} (default {action.default!r}): {text!r}")
    return missing


# score.py is another item of issue 28 (its argument checks): its --preset and --json need "(default: none)"
@pytest.mark.parametrize("command", sorted(subcommands()))
def test_every_option_shows_its_default(command):
    assert missing_defaults(subcommands()[command]) == []


def test_the_check_catches_an_option_without_its_default():
    parser = argparse.ArgumentParser()
    parser.add_argument("--video-episodes", type=int, default=2, help="episodes in the video")
    parser.add_argument("--size", type=int, default=64, help="pixels (default 32)")  # says a wrong default
    parser.add_argument("--out", default=None, help="folder (default: beside the bag)")
    parser.add_argument("--fast", action="store_true", help="a flag")
    assert [m.split()[0] for m in missing_defaults(parser)] == ["--video-episodes", "--size"]


def test_run_help_says_how_many_episodes_go_into_the_video(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert re.search(r"--video-episodes VIDEO_EPISODES the first N episodes go into the video \(default 2", text)


def test_train_help_defaults_are_config_train_yaml_values():
    from jaco_prog.config import load_yaml
    from jaco_prog.paths import config_path

    parser = subcommands()["train"]
    yaml_values = load_yaml(config_path("train.yaml"))
    by_dest = {a.dest: a for a in parser._actions}
    assert "(default 0.0003 from config/train.yaml)" in shown_help(parser, by_dest["lr"])
    assert f"(default {yaml_values['total_steps']} from" in shown_help(parser, by_dest["total_steps"])
    assert f"(default {yaml_values['algo']} from" in shown_help(parser, by_dest["algo"])


def test_an_unknown_option_is_refused_by_its_commands_parser_with_that_commands_usage(capsys):
    from jaco_prog.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["score", "CKPT", "--threads", "1"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert "usage: jaco-prog score" in err and "jaco-prog score: error: unrecognized arguments: --threads 1" in err
