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

"""Where the package's data files (config/, urdf/, launch/, rviz/) live.

Source checkout and `pip install -e .`: the repository root. colcon/ament install: share/jaco_prog.
`JACO_PROG_SHARE` overrides both.
"""
from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path

PACKAGE = "jaco_prog"


@lru_cache(maxsize=1)
def share_dir() -> Path:
    candidates = []
    if os.environ.get("JACO_PROG_SHARE"):
        candidates.append(Path(os.environ["JACO_PROG_SHARE"]))
    here = Path(__file__).resolve()
    candidates.append(here.parents[2])  # source checkout: src/jaco_prog/paths.py -> repository root
    if len(here.parents) > 4:  # install tree: <prefix>/lib/pythonX.Y/site-packages/jaco_prog/paths.py
        candidates.append(here.parents[4] / "share" / PACKAGE)
    for prefix in filter(None, os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep)):
        candidates.append(Path(prefix) / "share" / PACKAGE)
    try:  # an ament install tree, when ament_index_python is around (it is not rclpy: safe in the core)
        from ament_index_python.packages import get_package_share_directory
        candidates.append(Path(get_package_share_directory(PACKAGE)))
    except Exception:  # noqa: BLE001 - absent or package not indexed: fall through to the prefix
        pass
    candidates.append(Path(sys.prefix) / "share" / PACKAGE)
    for candidate in candidates:
        if (candidate / "config" / "robots.yaml").is_file():
            return candidate
    raise FileNotFoundError(
        "cannot find jaco_prog's data files (config/robots.yaml); looked in "
        + ", ".join(str(c) for c in candidates) + " - set JACO_PROG_SHARE to the package share directory")


def config_path(name: str) -> Path:
    return share_dir() / "config" / name


def urdf_path(name: str) -> Path:
    return share_dir() / "urdf" / name
