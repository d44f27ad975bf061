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

"""`jaco-prog run --sim`: the graph in one process; its bag holds every contract topic at the graph's rates."""
import csv
import json
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
import yaml

from jaco_prog import topics
from jaco_prog.cli import main
from jaco_prog.runtime.params import load_runtime_params
from jaco_prog.safety.params import load_safety_params


def read_bag(path):
    """{contract key: [(t_ns, msg), ...]} and the connections, read back with rosbags (no ROS)."""
    from rosbags.highlevel import AnyReader

    by_name = {topics.name(k): k for k in topics.TOPICS}
    out, connections = {}, {}
    with AnyReader([path]) as reader:
        for conn in reader.connections:
            connections[by_name[conn.topic]] = conn
        for conn, t_ns, raw in reader.messages():
            out.setdefault(by_name[conn.topic], []).append((t_ns, reader.deserialize(raw, conn.msgtype)))
    return out, connections


def events(bag):
    """[(n, start_ns, end_ns, return)] from the episode_event topic."""
    starts, result = {}, []
    for t, msg in bag["episode_event"]:
        kind, n, *rest = msg.data.split()
        if kind == "start":
            starts[int(n)] = t
        else:
            result.append((int(n), starts[int(n)], t, float(rest[0])))
    return result


@pytest.fixture(scope="module")
def two_episode_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        # the scripted reacher: it reaches in every episode, so the tracker is checked near the target too
        assert main(["run", "--sim", "--episodes", "2", "--policy", "scripted", "--out", str(out),
                     "--video-episodes", "1", "--video-size", "64"]) == 0
    run_dir = next(out.iterdir())
    return run_dir, buf.getvalue()


def test_episodes_complete_and_printed_returns_equal_the_bag_reward_topic(two_episode_run):
    run_dir, printed = two_episode_run
    rows = list(csv.DictReader(open(run_dir / "returns.csv")))
    assert [int(r["episode"]) for r in rows] == [0, 1]
    printed_returns = [float(x) for x in re.findall(r"^episode +\d+ +seed +\d+ +return +(\d+)", printed, re.M)]
    assert printed_returns == [float(r["return"]) for r in rows]
    bag, _ = read_bag(run_dir / "bag")
    episodes = events(bag)
    assert [e[0] for e in episodes] == [0, 1]
    for (n, start, end, ret), printed_return in zip(episodes, printed_returns):
        from_topic = sum(msg.data for t, msg in bag["reward"] if start < t <= end)
        assert from_topic == ret == printed_return
    truth = dict((t, msg.data) for t, msg in bag["reward_ground_truth"])
    agree = [truth[t] == msg.data for t, msg in bag["reward"]]
    assert len(agree) == len(truth) and np.mean(agree) >= 0.95  # the tracker's reward vs sim state, per frame
    assert printed_returns[0] > 0  # the scripted reacher reaches through the whole graph (safety layer included)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["returns"] == printed_returns and summary["bag"] == "bag"


def test_bag_has_every_contract_topic_at_the_graph_rates(two_episode_run):
    run_dir, _ = two_episode_run
    bag, connections = read_bag(run_dir / "bag")
    # sim graph: the real graph's topics plus clock and ground truth; the camera as PNG on <image>/compressed
    assert set(bag) == set(topics.TOPICS) - {"image"}
    params = load_runtime_params()
    control = load_safety_params("j2n6s300").control_rate
    rates = {"image_compressed": params.sim.camera_rate, "camera_info": params.sim.camera_rate,
             "reward": params.sim.camera_rate, "target_visible": params.sim.camera_rate,
             "target_marker": params.sim.camera_rate, "reward_ground_truth": params.sim.camera_rate,
             "joint_states": params.sim.joint_state_rate, "clock": params.sim.clock_rate,
             "driver_status": params.sim.driver_status_rate, "policy_status": params.policy.rate,
             "joint_command": params.policy.rate}
    for n, start, end, ret in events(bag):
        duration = (end - start) / 1e9
        assert duration == pytest.approx(params.episodes.steps / params.policy.rate)
        for key, rate in rates.items():
            stamps = [t for t, _ in bag[key] if start <= t < end]
            assert len(stamps) == pytest.approx(rate * duration, abs=1), key
            gaps = np.diff(stamps) / 1e9
            assert gaps == pytest.approx(1 / rate), key  # evenly spaced: a fixed-rate publisher
        visible = [t for t, _ in bag["target_point"] if start <= t < end]
        assert len(visible) >= 0.9 * params.sim.camera_rate * duration
    assert control % params.sim.camera_rate == 0
    # header stamps are the bag timestamps (sim time)
    t, img = bag["image_compressed"][3]
    assert img.header.stamp.sec * 10**9 + img.header.stamp.nanosec == t
    from jaco_prog.bags.images import decode
    assert img.format == "rgb8; png compressed bgr8"
    assert decode(img.format, img.data).shape == (params.sim.camera_height, params.sim.camera_width, 3)
    # commands are one-point JointTrajectories with the profile's joint names, valid for command_duration;
    # velocities are from the action set {-v, 0, +v}
    from jaco_prog.robot.profile import load_profile

    profile = load_profile("j2n6s300")
    _, command = bag["joint_command"][5]
    assert list(command.joint_names) == profile.joint_names and len(command.points) == 1
    v, valid = command.points[0].velocities, command.points[0].time_from_start
    assert valid.sec + valid.nanosec * 1e-9 == pytest.approx(params.policy.command_duration)
    assert np.all(np.isclose(np.abs(v), 0) | np.isclose(np.abs(v), profile.action_velocities))
    for key, conn in connections.items():
        assert conn.msgtype == topics.TOPICS[key].msg_type
        assert conn.msgcount == len(bag[key])


def test_bag_metadata_is_what_ros2_bag_reads(two_episode_run):
    run_dir, _ = two_episode_run
    meta = yaml.safe_load((run_dir / "bag" / "metadata.yaml").read_text())["rosbag2_bagfile_information"]
    assert meta["version"] == 9 and meta["storage_identifier"] == "mcap"
    assert (run_dir / "bag" / meta["relative_file_paths"][0]).is_file()
    by_name = {topics.name(k): topics.TOPICS[k] for k in topics.TOPICS}
    for entry in meta["topics_with_message_count"]:
        md = entry["topic_metadata"]
        contract = by_name[md["name"]]
        assert md["type"] == contract.msg_type and md["serialization_format"] == "cdr"
        assert md["type_description_hash"].startswith("RIHS01_")
        (qos,) = md["offered_qos_profiles"]
        assert qos["reliability"] == contract.publisher_qos.reliability
        assert qos["durability"] == contract.publisher_qos.durability
        assert qos["history"] == "keep_last" and qos["depth"] == contract.publisher_qos.depth
    assert meta["custom_data"]["robot_profile"] == "j2n6s300"


def test_video_has_one_frame_per_policy_tick_of_the_first_episode(two_episode_run):
    run_dir, _ = two_episode_run
    import imageio.v2 as imageio

    rows = list(csv.DictReader(open(run_dir / "returns.csv")))
    frames = [frame.shape for frame in imageio.get_reader(run_dir / "episodes.mp4")]
    assert len(frames) == int(rows[0]["steps"]) + 1
    assert frames[0][0] == 64


def _random_checkpoint(path, profile="j2n6s300"):
    from jaco_prog.nets.checkpoint import save_checkpoint
    from jaco_prog.nets.progressive import ProgressiveNet
    from jaco_prog.nets.spec import ColumnSpec, NetSpec
    from jaco_prog.robot.profile import load_profile

    torch.manual_seed(0)
    p = load_profile(profile)
    spec = NetSpec(profile=p.to_dict(), columns=(ColumnSpec.preset("narrow", inputs="pixels+proprio"),),
                   proprio_dim=2 * p.n_joints, privileged_dim=6 + 2 * p.n_joints)
    net = ProgressiveNet(spec)
    return save_checkpoint(path, {"spec": spec.to_dict(), "model": net.state_dict()})


def test_a_checkpoint_drives_the_graph_and_sqlite3_storage_works(tmp_path, capsys):
    ckpt = _random_checkpoint(tmp_path / "net" / "checkpoint.pt")
    assert main(["run", "--sim", "--episodes", "1", "--checkpoint", str(ckpt.parent), "--out", str(tmp_path / "o"),
                 "--video-episodes", "0", "--storage", "sqlite3"]) == 0
    run_dir = next((tmp_path / "o").iterdir())
    assert run_dir.name.startswith("reach-checkpoint")
    meta = yaml.safe_load((run_dir / "bag" / "metadata.yaml").read_text())["rosbag2_bagfile_information"]
    assert meta["storage_identifier"] == "sqlite3"
    bag, _ = read_bag(run_dir / "bag")
    assert len(bag["joint_command"]) == 51  # 50 actions and the stop at the episode's end
    statuses = [dict((kv.key, kv.value) for kv in msg.status[0].values) for _, msg in bag["policy_status"]]
    assert any(s["commanding"] == "true" and float(s["inference_ms"]) > 0 for s in statuses)
    assert "inference p99" in capsys.readouterr().out


@pytest.mark.parametrize("extra, message", [
    (["--checkpoint", "/nonexistent/ckpt.pt"], "no checkpoint at /nonexistent/ckpt.pt"),
    (["--checkpoint", "x.pt", "--policy", "random"], "either --checkpoint"),
    (["--video-size", "4"], "--video-size must be at least 16"),
])
def test_bad_input_is_one_line(extra, message):
    result = subprocess.run([sys.executable, "-m", "jaco_prog.cli", "run", "--sim", "--episodes", "1", *extra],
                            capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_checkpoint_for_another_robot_is_refused(tmp_path):
    ckpt = _random_checkpoint(tmp_path / "checkpoint.pt", profile="gen3_lite")
    result = subprocess.run([sys.executable, "-m", "jaco_prog.cli", "run", "--sim", "--episodes", "1",
                             "--checkpoint", str(ckpt), "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert result.returncode == 2
    assert "this graph drives profile 'j2n6s300'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
