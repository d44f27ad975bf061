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

"""`jaco-prog run --sim`, the README's main job."""
import csv
import json
import subprocess
import sys

import pytest

from jaco_prog.cli import main


def test_run_writes_returns_summary_and_video_without_overwriting(tmp_path, capsys):
    args = ["run", "--sim", "--episodes", "2", "--out", str(tmp_path), "--video-episodes", "1", "--video-size", "64"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert main(args) == 0
    runs = sorted(p for p in tmp_path.iterdir())
    assert len(runs) == 2  # a second run gets its own folder
    out = runs[0]
    rows = list(csv.DictReader(open(out / "returns.csv")))
    assert [int(r["episode"]) for r in rows] == [0, 1]
    for row in rows:
        assert f"return {float(row['return']):4.0f}" in printed
        assert 0 <= float(row["return"]) <= 50
    summary = json.loads((out / "summary.json").read_text())
    assert summary["mean_return"] == pytest.approx(sum(float(r["return"]) for r in rows) / 2)
    video = out / summary["video"]
    assert video.stat().st_size > 1000
    import imageio.v2 as imageio
    frame_count = sum(1 for _ in imageio.get_reader(video))
    assert frame_count == int(rows[0]["steps"]) + 1


@pytest.mark.parametrize("args, message", [
    (["run", "--episodes", "1"], "only --sim runs without ROS 2"),
    (["run", "--sim", "--episodes", "0"], "--episodes must be at least 1"),
    (["run", "--sim", "--preset", "mars"], "unknown preset 'mars'"),
    (["run", "--sim", "--profile", "jaco9"], "unknown profile 'jaco9'"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = subprocess.run([sys.executable, "-m", "jaco_prog.cli", *args], capture_output=True, text=True)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_help_explains_each_command():
    result = subprocess.run([sys.executable, "-m", "jaco_prog.cli", "run", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "10 cm" in result.stdout and "--preset" in result.stdout
