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

"""The node executables (setup.py's console scripts). Each imports its node module and runs its main: a node
module's parameter table reads config/real_nodes.yaml or sim_nodes.yaml as it loads, so a configuration error
found then must end the same way as one found while the node starts: one line and exit code 2, no traceback."""
from __future__ import annotations

import importlib
import sys

from jaco_prog.errors import UserError


def _run(name: str) -> None:
    try:
        importlib.import_module(f"jaco_prog.nodes.{name}").main()
    except UserError as err:
        print(f"[{name}] error: {err}", file=sys.stderr)
        sys.exit(2)


def camera_node() -> None:
    _run("camera_node")


def driver_node() -> None:
    _run("driver_node")


def tracker_node() -> None:
    _run("tracker_node")


def policy_node() -> None:
    _run("policy_node")


def sim_node() -> None:
    _run("sim_node")
