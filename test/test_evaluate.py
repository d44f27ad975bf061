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

"""`jaco-prog evaluate BAG`: offline evaluation of a recorded session by replay (issue 6)."""
import dataclasses
import io
import json
import re
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from jaco_prog import topics
from jaco_prog.cli import main

BY_NAME = {topics.name(k): k for k in topics.TOPICS}


def _random_checkpoint(path, profile="j2n6s300", seed=0):
    from jaco_prog.nets.checkpoint import save_checkpoint
    from jaco_prog.nets.progressive import ProgressiveNet
    from jaco_prog.nets.spec import ColumnSpec, NetSpec
    from jaco_prog.robot.profile import load_profile

    torch.manual_seed(seed)
    p = load_profile(profile)
    spec = NetSpec(profile=p.to_dict(), columns=(ColumnSpec.preset("narrow", inputs="pixels+proprio"),),
                   proprio_dim=2 * p.n_joints, privileged_dim=6 + 2 * p.n_joints)
    net = ProgressiveNet(spec)
    return save_checkpoint(path, {"spec": spec.to_dict(), "model": net.state_dict()})


def _run(out, *extra):
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["run", "--sim", "--episodes", "2", "--out", str(out), "--video-episodes", "0", *extra]) == 0
    printed = [float(x) for x in re.findall(r"^episode +\d+ +seed +\d+ +return +(\d+)", buf.getvalue(), re.M)]
    return next(Path(out).iterdir()) / "bag", printed


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two 2-episode runs of one checkpoint, MCAP and sqlite3; and another checkpoint."""
    base = tmp_path_factory.mktemp("eval")
    ckpt = _random_checkpoint(base / "net" / "checkpoint.pt")
    other = _random_checkpoint(base / "other" / "checkpoint.pt", seed=1)
    mcap, printed = _run(base / "mcap", "--checkpoint", str(ckpt))
    sqlite, printed_sqlite = _run(base / "sqlite", "--checkpoint", str(ckpt), "--storage", "sqlite3")
    return {"base": base, "ckpt": ckpt, "other": other, "mcap": mcap, "printed": printed, "sqlite": sqlite,
            "printed_sqlite": printed_sqlite}


def _evaluate(args, capsys):
    code = main(["evaluate", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _eval_json(out):
    return json.loads((Path(out) / "evaluation.json").read_text())


def _read(bag):
    from rosbags.highlevel import AnyReader

    with AnyReader([Path(bag)]) as reader:
        return [(BY_NAME[c.topic], c.msgtype, t, reader.deserialize(raw, c.msgtype))
                for c, t, raw in reader.messages()]


def _copy(src, dst, keep=lambda key, t: True, storage="mcap", custom=None):
    """Rewrite `src` through BagWriter, keeping the messages `keep(key, t_ns)` accepts."""
    from jaco_prog.bags import BagWriter

    messages = _read(src)
    keys = sorted({k for k, _, t, _ in messages if keep(k, t)})
    with BagWriter(dst, keys=keys, storage=storage, custom_data=custom or {"clock": "sim", "task": "reach",
                                                                           "seed": "0",
                                                                           "robot_profile": "j2n6s300"}) as bag:
        for key, _, t, msg in messages:
            if keep(key, t):
                bag.write(key, t, msg)
    return dst


# --- round trip, storage formats, another writer -----------------------------------------------------------
def test_round_trip_returns_equal_the_printed_ones_and_the_tracker_agrees(runs, capsys, tmp_path):
    code, out, err = _evaluate([runs["mcap"], "--out", tmp_path / "r", "--video-episodes", "0"], capsys)
    assert code == 0, err
    ev = _eval_json(tmp_path / "r")
    assert ev["returns"] == runs["printed"] and ev["storage"] == "mcap"
    assert ev["recomputed_returns"] == runs["printed"]  # the tracker on the recorded frames: the same rewards
    assert ev["reward_agreement"] == 1.0 and ev["skipped"] == []
    for e in ev["per_episode"]:
        assert e["steps"] == 50 and e["length_s"] == pytest.approx(2.5)
        assert e["time_within_s"] == pytest.approx(e["return"] / 20, abs=0.051)
    for name in ("report.md", "episodes.csv", "returns.png", "reward_timeline.png"):
        assert (tmp_path / "r" / name).is_file(), name
    video = [p for p in (tmp_path / "r").iterdir() if p.stem == "episodes"]
    assert video and video[0].suffix in (".mp4", ".gif")
    report = (tmp_path / "r" / "report.md").read_text()
    assert "2 complete episodes" in report and "100.0%" in report
    assert "x real time" in out


def test_sqlite3_bag_reads_the_same(runs, capsys, tmp_path):
    code, _, err = _evaluate([runs["sqlite"], "--out", tmp_path / "s", "--video-episodes", "none"], capsys)
    assert code == 0, err
    ev = _eval_json(tmp_path / "s")
    assert ev["storage"] == "sqlite3" and ev["returns"] == runs["printed_sqlite"] == runs["printed"]
    assert ev["reward_agreement"] == 1.0


def test_a_bag_written_by_mcap_ros2_support_reads_the_same(runs, capsys, tmp_path):
    """A bare .mcap from another writer (no metadata.yaml, no custom_data): the camera pose comes from /tf."""
    from mcap_ros2.writer import Writer

    from jaco_prog.bags.messages import typestore
    from jaco_prog.runtime.sim_world import SimWorld

    store = typestore()
    world = SimWorld.build(seed=0)
    tf_schema_def = store.generate_msgdef("tf2_msgs/msg/TFMessage", ros_version=2)[0]
    path = tmp_path / "other.mcap"
    with open(path, "wb") as f:
        writer, schemas = Writer(f), {}

        def write(topic, msgtype, msg, t, definition=None):
            if msgtype not in schemas:
                schemas[msgtype] = writer.register_msgdef(
                    msgtype, definition or store.generate_msgdef(msgtype, ros_version=2)[0])
            writer.write_message(topic, schemas[msgtype], msg if isinstance(msg, dict) else _as_dict(msg),
                                 log_time=t, publish_time=t)

        for key, msgtype, t, msg in _read(runs["mcap"]):
            if key == "episode_event" and msg.data.startswith("start"):
                world.reset_episode(int(msg.data.split()[1]))
                write("/tf", "tf2_msgs/msg/TFMessage", _tf(world.camera_model(), t), t, tf_schema_def)
            write(topics.name(key), msgtype, msg, t)
        writer.finish()
    world.close()
    code, _, err = _evaluate([path, "--out", tmp_path / "o", "--video-episodes", "none", "--checkpoint",
                              runs["ckpt"]], capsys)
    assert code == 0, err
    ev = _eval_json(tmp_path / "o")
    assert ev["returns"] == runs["printed"] and ev["recomputed_returns"] == runs["printed"]
    assert ev["reward_agreement"] == 1.0 and "/tf" in ev["camera"]
    assert ev["action_agreement"]["all_joints"] == 1.0


def test_a_bag_recorded_with_joint_jog_commands_still_evaluates(runs, capsys, tmp_path):
    """Bags from before the joint command became a JointTrajectory carry control_msgs/JointJog on that topic."""
    from mcap_ros2.writer import Writer

    from jaco_prog.bags.messages import JOINT_JOG, JOINT_JOG_MSG, typestore

    store = typestore()
    path = tmp_path / "jointjog.mcap"
    jogs = 0
    with open(path, "wb") as f:
        writer, schemas = Writer(f), {}
        for key, msgtype, t, msg in _read(runs["mcap"]):
            if key == "joint_command":
                point = msg.points[0]
                msg = {"header": _as_dict(msg.header), "joint_names": list(msg.joint_names), "displacements": [],
                       "velocities": point.velocities.tolist(),
                       "duration": point.time_from_start.sec + point.time_from_start.nanosec * 1e-9}
                msgtype, jogs = JOINT_JOG, jogs + 1
            if msgtype not in schemas:
                definition = JOINT_JOG_MSG + "\n" + "=" * 80 + "\nMSG: std_msgs/Header\n" + \
                    store.generate_msgdef("std_msgs/msg/Header", ros_version=2)[0] if msgtype == JOINT_JOG else \
                    store.generate_msgdef(msgtype, ros_version=2)[0]
                schemas[msgtype] = writer.register_msgdef(msgtype, definition)
            writer.write_message(topics.name(key), schemas[msgtype], msg if isinstance(msg, dict) else _as_dict(msg),
                                 log_time=t, publish_time=t)
        writer.finish()
    assert jogs >= 100
    code, _, err = _evaluate([path, "--out", tmp_path / "j", "--video-episodes", "none", "--checkpoint",
                              runs["ckpt"]], capsys)
    assert code == 0, err
    ev = _eval_json(tmp_path / "j")
    assert ev["returns"] == runs["printed"] and ev["action_agreement"]["all_joints"] == 1.0


def _tf(camera, t_ns):
    """tf2_msgs/TFMessage (as a dict): the robot base -> camera optical frame transform of `camera`."""
    r = camera.rotation
    w = np.sqrt(max(0.0, 1 + r[0, 0] + r[1, 1] + r[2, 2])) / 2
    x = np.copysign(np.sqrt(max(0.0, 1 + r[0, 0] - r[1, 1] - r[2, 2])) / 2, r[2, 1] - r[1, 2])
    y = np.copysign(np.sqrt(max(0.0, 1 - r[0, 0] + r[1, 1] - r[2, 2])) / 2, r[0, 2] - r[2, 0])
    z = np.copysign(np.sqrt(max(0.0, 1 - r[0, 0] - r[1, 1] + r[2, 2])) / 2, r[1, 0] - r[0, 1])
    stamp = {"sec": t_ns // 10**9, "nanosec": t_ns % 10**9}
    p = camera.position
    return {"transforms": [{"header": {"stamp": stamp, "frame_id": "j2n6s300_link_base"},
                            "child_frame_id": "camera_optical_frame",
                            "transform": {"translation": {"x": p[0], "y": p[1], "z": p[2]},
                                          "rotation": {"x": x, "y": y, "z": z, "w": w}}}]}


def _as_dict(msg):
    """A rosbags message as plain python for mcap_ros2's encoder (uint8 arrays as bytes)."""
    if dataclasses.is_dataclass(msg):
        return {f.name: _as_dict(getattr(msg, f.name)) for f in dataclasses.fields(msg)
                if not f.name.startswith("__")}
    if isinstance(msg, np.ndarray):
        return msg.tobytes() if msg.dtype == np.uint8 else msg.tolist()
    if isinstance(msg, list):
        return [_as_dict(m) for m in msg]
    return msg


# --- policy agreement --------------------------------------------------------------------------------------
def test_action_agreement_is_total_for_the_checkpoint_that_drove_and_lower_for_another(runs, capsys, tmp_path):
    code, out, err = _evaluate([runs["mcap"], "--checkpoint", runs["ckpt"], "--out", tmp_path / "a",
                                "--video-episodes", "none"], capsys)
    assert code == 0, err
    same = _eval_json(tmp_path / "a")["action_agreement"]
    assert same["all_joints"] == 1.0 and all(v == 1.0 for v in same["per_joint"].values())
    assert (tmp_path / "a" / "action_agreement.png").is_file()
    code, _, err = _evaluate([runs["mcap"], "--checkpoint", runs["other"], "--out", tmp_path / "b",
                              "--video-episodes", "none"], capsys)
    assert code == 0, err
    other = _eval_json(tmp_path / "b")["action_agreement"]
    assert other["all_joints"] < 0.9 and min(other["per_joint"].values()) < 1.0


# --- bad input ---------------------------------------------------------------------------------------------
def _one_line_error(args, capsys, *needles):
    code, _, err = _evaluate(args, capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err
    return err


def test_missing_bag(capsys, tmp_path):
    _one_line_error([tmp_path / "nope"], capsys, "no bag at")


def test_a_run_folder_is_evaluated_through_its_bag(runs, capsys, tmp_path):
    run_dir = runs["mcap"].parent  # what `jaco-prog run` printed: "wrote runs/<run>/ ..., bag/, ..."
    code, out, err = _evaluate([run_dir, "--out", tmp_path / "r", "--video-episodes", "none"], capsys)
    assert code == 0, err
    assert f"evaluating the run's bag: {runs['mcap']}" in out
    assert _eval_json(tmp_path / "r")["returns"] == runs["printed"]


def test_a_folder_of_runs_says_where_its_bags_are(runs, capsys, tmp_path):
    parent = runs["mcap"].parent.parent  # like runs/: run folders, each with its bag/
    _one_line_error([parent], capsys, f"{parent} is not a bag; the bags in it, newest first: {runs['mcap']}")
    (tmp_path / "nothing").mkdir()
    _one_line_error([tmp_path / "nothing"], capsys, "is not a bag: no metadata.yaml", "no bag/ folder")


def test_a_run_recorded_without_a_bag_says_so(capsys, tmp_path):
    run_dir = tmp_path / "reach-scripted-x"
    run_dir.mkdir()
    (run_dir / "summary.json").write_text(json.dumps({"bag": None, "returns": [3.0]}))
    _one_line_error([run_dir], capsys, "recorded without a bag (--no-bag)")


def test_corrupt_bag(runs, capsys, tmp_path):
    bag = tmp_path / "corrupt"
    shutil.copytree(runs["mcap"], bag)
    (mcap,) = bag.glob("*.mcap")
    mcap.write_bytes(b"this is not an mcap file" * 100)
    _one_line_error([bag], capsys, "is not a readable")


def test_truncated_bag_reports_the_complete_episodes_and_fails(runs, capsys, tmp_path):
    bag = tmp_path / "truncated"
    shutil.copytree(runs["mcap"], bag)
    (mcap,) = bag.glob("*.mcap")
    data = mcap.read_bytes()
    mcap.write_bytes(data[:int(len(data) * 0.7)])  # a recording killed in episode 1
    err = _one_line_error([bag, "--out", tmp_path / "t", "--video-episodes", "none"], capsys, "truncated")
    ev = _eval_json(tmp_path / "t")
    assert ev["returns"] == runs["printed"][:1] and ev["reward_agreement"] == 1.0
    assert any("episode 1" in s and "no end event" in s for s in ev["skipped"])
    assert any("truncated" in s for s in ev["skipped"])
    assert "skipped" in (tmp_path / "t" / "report.md").read_text().lower()
    assert "report.md" in err


def test_partial_bag_reports_the_complete_episodes(runs, capsys, tmp_path):
    events = [(t, m.data) for k, _, t, m in _read(runs["mcap"]) if k == "episode_event"]
    (t_start1,) = [t for t, text in events if text == "start 1"]
    bag = _copy(runs["mcap"], tmp_path / "partial", keep=lambda key, t: t < t_start1 + 10**9)
    code, out, err = _evaluate([bag, "--out", tmp_path / "p", "--video-episodes", "none"], capsys)
    assert code == 0, err
    ev = _eval_json(tmp_path / "p")
    assert ev["returns"] == runs["printed"][:1]
    assert ev["skipped"] == [s for s in ev["skipped"] if "episode 1" in s] and len(ev["skipped"]) == 1
    assert "skipped: episode 1" in out


@pytest.mark.parametrize("key", ["image", "reward"])
def test_missing_camera_or_reward_topic(runs, capsys, tmp_path, key):
    # the camera by either transport: raw, or compressed on <image topic>/compressed
    bag = _copy(runs["mcap"], tmp_path / f"no-{key}", keep=lambda k, t: k not in (key, f"{key}_compressed"))
    err = _one_line_error([bag], capsys, f"has no {topics.name(key)}")
    if key == "image":
        assert f"or {topics.name('image_compressed')} (sensor_msgs/msg/CompressedImage)" in err


def test_unknown_message_type(runs, capsys, tmp_path):
    from rosbags.rosbag2 import Writer
    from rosbags.typesys import Stores, get_types_from_msg, get_typestore

    store = get_typestore(Stores.ROS2_JAZZY)
    store.register(get_types_from_msg("float64 value\nstring source\n", "my_msgs/msg/Reward"))
    bag = tmp_path / "unknown"
    with Writer(bag, version=9) as writer:
        conn = writer.add_connection(topics.name("reward"), "my_msgs/msg/Reward", typestore=store)
        msg = store.types["my_msgs/msg/Reward"](value=1.0, source="x")
        writer.write(conn, 1, store.serialize_cdr(msg, conn.msgtype))
    _one_line_error([bag], capsys, "/reward has message type my_msgs/msg/Reward")


def test_checkpoint_for_another_robot(runs, capsys, tmp_path):
    ckpt = _random_checkpoint(tmp_path / "gen3.pt", profile="gen3_lite")
    _one_line_error([runs["mcap"], "--checkpoint", ckpt], capsys, "drives joints", "the bag's commands")


def test_recorded_bag_metadata_is_what_ros2_bag_reads(runs):
    """`ros2 bag info/play` cannot run here: check what they read (metadata.yaml v9, CDR, QoS, type hashes)."""
    for bag, storage in ((runs["mcap"], "mcap"), (runs["sqlite"], "sqlite3")):
        meta = yaml.safe_load((bag / "metadata.yaml").read_text())["rosbag2_bagfile_information"]
        assert meta["version"] == 9 and meta["storage_identifier"] == storage
        names = {e["topic_metadata"]["name"]: e for e in meta["topics_with_message_count"]}
        # every contract topic, the camera on <image topic>/compressed (PNG) only
        assert set(names) == {topics.name(k) for k in topics.TOPICS if k != "image"}
        for name, entry in names.items():
            md, contract = entry["topic_metadata"], topics.TOPICS[BY_NAME[name]]
            assert md["type"] == contract.msg_type and md["serialization_format"] == "cdr"
            assert md["type_description_hash"].startswith("RIHS01_")
            (qos,) = md["offered_qos_profiles"]
            assert (qos["reliability"], qos["durability"]) == (contract.publisher_qos.reliability,
                                                               contract.publisher_qos.durability)
        assert sum(e["message_count"] for e in names.values()) == meta["message_count"]


@pytest.mark.parametrize("measured", [True, False])
def test_a_bag_without_camera_pose_takes_the_real_trackers_calibration_or_the_nominal_camera(monkeypatch, tmp_path,
                                                                                             measured):
    """A bag from the real graph with neither /tf nor sim metadata: the tracker_node calibration in
    config/real_nodes.yaml, whose unset pose and field of view mean the simulated camera's, as in the node."""
    from jaco_prog import paths
    from jaco_prog.evaluation.replay import _Cameras
    from jaco_prog.sim.task_config import nominal_camera

    tracker = {"camera_width": 640, "camera_height": 480}
    if measured:
        tracker.update(camera_position=[1.25, 0.55, 1.05], camera_lookat=[0.25, 0.0, 0.3])
    (tmp_path / "real_nodes.yaml").write_text(yaml.safe_dump({"tracker_node": {"ros__parameters": tracker}}))
    monkeypatch.setattr(paths, "config_path", lambda name: tmp_path / name)
    cam, source = _Cameras._default()
    position, _, fovy = nominal_camera()
    assert np.allclose(cam.position, [1.25, 0.55, 1.05] if measured else position)
    assert cam.fy == pytest.approx(0.5 * 480 / np.tan(np.radians(fovy / 2)))
    assert ("calibration" in source) == measured
