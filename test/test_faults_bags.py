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

"""`jaco-prog evaluate` on bags with malformed messages (issue 27): each is skipped and counted, never a
traceback. The bags are small and synthetic (two 10-frame episodes, 64x48 frames, no camera pose: the replay
takes the real tracker's calibration), one fault in episode 0."""
import json

import numpy as np
import pytest

from jaco_prog import topics
from jaco_prog.bags import BagWriter
from jaco_prog.bags import messages as m
from jaco_prog.cli import main
from jaco_prog.robot.profile import load_profile

PROFILE = load_profile("j2n6s300")
NAMES = PROFILE.joint_names
KEYS = ["image", "camera_info", "joint_states", "reward", "episode_event", "joint_command", "driver_status"]
W, H = 64, 48
INFO = {"width": W, "height": H, "K": [50.0, 0, W / 2, 0, 50.0, H / 2, 0, 0, 1],
        "P": [50.0, 0, W / 2, 0, 0, 50.0, H / 2, 0, 0, 0, 1, 0]}


def write_bag(path, fault=None, frames=10):
    """Two episodes; `fault` replaces one message of frame 3 of episode 0 (or its end event)."""
    with BagWriter(path, keys=KEYS, custom_data={"robot_profile": "j2n6s300"}) as bag:
        t = 10 ** 9
        for ep in range(2):
            bag.write("episode_event", t, m.string(f"start {ep}"))
            t += 10 ** 6
            for k in range(frames):
                bad = fault if ep == 0 and k == 3 else None
                positions = PROFILE.home[:-2] if bad == "fewer_positions" else PROFILE.home
                bag.write("joint_states", t, m.joint_state(t, NAMES, positions))
                info = dict(INFO, K=[np.nan] * 9) if bad == "nan_k" else INFO
                bag.write("camera_info", t, m.camera_info(t, "camera", info))
                image = m.image(t, "camera", np.full((H, W, 3), 90, np.uint8))
                if bad == "short_step":
                    image.step = W * 3 - 6
                elif bad == "empty_image":
                    image = m.image(t, "camera", np.zeros((0, 0, 3), np.uint8))
                elif bad == "short_data":
                    image.data = image.data[:100]
                bag.write("image", t, image)
                bag.write("reward", t + 1, m.float32(np.nan if bad == "nan_reward" else 0.0))
                velocities = [0.1] * (len(NAMES) - 3 if bad == "fewer_velocities" else len(NAMES))
                bag.write("joint_command", t + 2, m.joint_command(t + 2, "", NAMES, velocities, 0.1))
                t += 50 * 10 ** 6
            end = f"end {ep}" if fault == "end_without_return" and ep == 0 else \
                f"end {ep} x" if fault == "bad_event" and ep == 0 else f"end {ep} 0"
            bag.write("episode_event", t, m.string(end))
            t += 10 ** 6
    return path


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    import torch

    from jaco_prog.nets.checkpoint import save_checkpoint
    from jaco_prog.nets.progressive import ProgressiveNet
    from jaco_prog.nets.spec import ColumnSpec, NetSpec

    torch.manual_seed(0)
    spec = NetSpec(profile=PROFILE.to_dict(), columns=(ColumnSpec.preset("narrow", inputs="pixels+proprio"),),
                   proprio_dim=2 * PROFILE.n_joints, privileged_dim=6 + 2 * PROFILE.n_joints)
    return save_checkpoint(tmp_path_factory.mktemp("net") / "checkpoint.pt",
                           {"spec": spec.to_dict(), "model": ProgressiveNet(spec).state_dict()})


def evaluate(bag, out, capsys, *extra):
    code = main(["evaluate", str(bag), "--out", str(out), "--video-episodes", "none", *map(str, extra)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err, json.loads((out / "evaluation.json").read_text())


def test_a_well_formed_bag_skips_nothing(tmp_path, capsys):
    code, _, err, ev = evaluate(write_bag(tmp_path / "bag"), tmp_path / "out", capsys)
    assert code == 0, err
    assert ev["skipped"] == [] and len(ev["returns"]) == 2


@pytest.mark.parametrize("fault, topic, needle", [
    ("short_step", "image", "image step 186 is smaller than width x channels (64 x 3)"),
    ("empty_image", "image", "an image of 0x0 pixels"),
    ("short_data", "image", "fewer than step x height"),
    ("fewer_positions", "joint_states", "fewer positions than names (7 for 9)"),
    ("nan_k", "camera_info", "K is not 9 finite numbers"),
    ("nan_reward", "reward", "non-finite reward"),
    ("fewer_velocities", "joint_command", "6 velocities for 9 joint names"),
    ("bad_event", "episode_event", "do not parse"),
])
@pytest.mark.parametrize("with_checkpoint", [False, True])
def test_a_malformed_message_is_skipped_and_counted(tmp_path, capsys, checkpoint, fault, topic, needle,
                                                    with_checkpoint):
    extra = ["--checkpoint", checkpoint] if with_checkpoint else []
    code, out, err, ev = evaluate(write_bag(tmp_path / "bag", fault), tmp_path / "out", capsys, *extra)
    assert code == 0, err
    (line,) = [s for s in ev["skipped"] if "malformed" in s]
    assert line.startswith(f"1 malformed {topics.name(topic)} message skipped") and needle in line, line
    assert needle in out  # printed as well as recorded
    # a bad 'end' event leaves that episode open until the next start; every other fault loses no episode
    assert len(ev["returns"]) == (1 if fault == "bad_event" else 2)


def test_an_end_event_without_a_return_leaves_that_episode_out_in_a_line(tmp_path, capsys):
    code, _, err, ev = evaluate(write_bag(tmp_path / "bag", "end_without_return"), tmp_path / "out", capsys)
    assert code == 0, err
    assert ev["skipped"] == ["episode 0: its end event at 1.501 s has no return ('end 0'); the episode is left out"]
    assert len(ev["returns"]) == 1


def test_the_same_fault_in_many_messages_is_one_counted_line(tmp_path, capsys):
    bag = tmp_path / "bag"
    with BagWriter(bag, keys=KEYS, custom_data={"robot_profile": "j2n6s300"}) as writer:
        writer.write("episode_event", 10 ** 9, m.string("start 0"))
        for k in range(20):
            t = 10 ** 9 + (k + 1) * 50 * 10 ** 6
            writer.write("joint_states", t, m.joint_state(t, NAMES, PROFILE.home[:3] if k % 2 else PROFILE.home))
            writer.write("image", t, m.image(t, "camera", np.full((H, W, 3), 90, np.uint8)))
            writer.write("reward", t + 1, m.float32(0.0))
        writer.write("episode_event", 3 * 10 ** 9, m.string("end 0 0"))
    code, _, err, ev = evaluate(bag, tmp_path / "out", capsys)
    assert code == 0, err
    assert [s for s in ev["skipped"] if "malformed" in s] == [
        "10 malformed /joint_states messages skipped (first at t = 1.100 s): joint states with fewer positions "
        "than names (3 for 9)"]
