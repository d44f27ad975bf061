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

"""The node executables end on a configuration error in one line and exit code 2, also where the error is found
while the node's module loads (its parameter table reads the launch files' parameter file)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("node, file, line, broken", [
    ("sim_node", "sim_nodes.yaml", "    real_time_factor: 1.0", "    real_time_factor: 1"),
    ("camera_node", "real_nodes.yaml", "    fps: 30.0", "    fps: 30"),
])
def test_a_bad_parameter_file_ends_the_node_in_one_line_with_exit_code_2(tmp_path, node, file, line, broken):
    executable = Path(sys.executable).parent / node
    if not executable.is_file():
        pytest.skip(f"{executable} is not installed (pip install -e .)")
    share = tmp_path / "share"
    for folder in ("config", "urdf"):
        shutil.copytree(ROOT / folder, share / folder)
    text = (share / "config" / file).read_text()
    assert line in text.splitlines(), f"{file} no longer has {line.strip()!r}: update this test"
    (share / "config" / file).write_text(text.replace(line, broken, 1))
    result = subprocess.run([str(executable)], env={**os.environ, "JACO_PROG_SHARE": str(share)},
                            capture_output=True, text=True, timeout=120)
    lines = [entry for entry in result.stderr.splitlines() if entry.strip()]
    assert result.returncode == 2, result.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith(f"[{node}] error:") and file in lines[0], result.stderr
