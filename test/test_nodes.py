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

"""Node wiring: every node builds with default parameters against real rclpy (ROS 2 Jazzy from PyPI wheels,
Fast DDS), takes its topics/types/QoS from the contract, and turns delivered messages into the expected outputs.

A message is delivered by calling the subscription's callback, a timer fires by calling its callback, so each
test is deterministic; time is sim time (use_sim_time, the clock set by the test as /clock would set it).
test/test_graph_processes.py runs the same nodes as separate processes over DDS, as sim.launch.py starts them.
"""
import dataclasses

import numpy as np
import pytest

from jaco_prog import topics
from jaco_prog.hardware import load_driver_params

ROS_INFRA = {"/rosout", "/parameter_events"}
CLOCK = "/clock"  # every node on sim time subscribes to it (rclpy's TimeSource), none by the contract


@pytest.fixture(scope="module", autouse=True)
def ros():
    import rclpy
    rclpy.init()
    yield rclpy
    rclpy.try_shutdown()


# --- helpers ----------------------------------------------------------------------------------------------
def type_name(cls) -> str:
    """sensor_msgs/msg/Image for a rosidl message or service class (module sensor_msgs.msg._image)."""
    package, kind = cls.__module__.split(".")[:2]
    return f"{package}/{kind}/{cls.__name__}"


def qos(profile) -> topics.Qos:
    return topics.Qos(profile.reliability.name.lower(), profile.durability.name.lower(), profile.depth)


def declared(node) -> dict:
    """What a node offers and needs: {publishes|subscribes: {(name, type, qos)}, services: {(name, type)}}.
    rclpy's own topics (/rosout, /parameter_events, a lifecycle node's ~/transition_event) are left out."""
    private = f"/{node.get_name()}/"

    def ours(name):
        return name not in ROS_INFRA and not name.startswith(private)
    return {
        "publishes": {(p.topic_name, type_name(p.msg_type), qos(p.qos_profile)) for p in node.publishers
                      if ours(p.topic_name)},
        "subscribes": {(s.topic_name, type_name(s.msg_type), qos(s.qos_profile)) for s in node.subscriptions
                       if ours(s.topic_name) and s.topic_name != CLOCK},
        "services": {(s.srv_name, type_name(s.srv_type)) for s in node.services
                     if s.srv_name in {topics.name(k) for k in topics.SERVICES}},
    }


def contract(role: str, drop=frozenset()) -> dict:
    """The same sets, expected from topics.ROLES[role] (minus the keys in `drop`)."""
    spec = topics.ROLES[role]
    t = topics.TOPICS
    return {
        "publishes": {(topics.name(k), t[k].msg_type, t[k].publisher_qos) for k in spec["publishes"] if k not in drop},
        "subscribes": {(topics.name(k), t[k].msg_type, t[k].subscriber_qos) for k in spec["subscribes"]
                       if k not in drop},
        "services": {(topics.name(k), topics.SERVICES[k].srv_type) for k in spec["services"] if k not in drop},
    }


def capture(node) -> dict:
    """topic name -> list of published messages (wraps publish; works for real publishers too)."""
    out = {}
    for pub in node.publishers:
        sent = out.setdefault(pub.topic_name, [])
        original = pub.publish

        def publish(msg, _orig=original, _sent=sent):
            _sent.append(msg)
            return _orig(msg)
        pub.publish = publish
    return out


def find(items, name, attr="topic_name"):
    matches = [i for i in items if getattr(i, attr) == name]
    assert matches, f"nothing named {name} (have {[getattr(i, attr) for i in items]})"
    return matches[0]


def set_time(node, t: float) -> None:
    """The node's clock reads `t` (s), as after a /clock message (the node runs on sim time)."""
    from rclpy.time import Time
    node.get_clock().set_ros_time_override(Time(nanoseconds=int(round(t * 1e9))))


def timers(node) -> list:
    return list(node.timers)  # a generator in rclpy


def overrides(**values):
    """Parameter overrides (on sim time: the tests set the clock)."""
    from rclpy.parameter import Parameter
    return [Parameter(k, value=v) for k, v in {"use_sim_time": True, **values}.items()]


# --- camera_node ------------------------------------------------------------------------------------------
class FakeVideoCapture:
    def __init__(self, present=True):
        self.present = present

    def __call__(self, device):
        return self

    def isOpened(self):
        return self.present

    def set(self, *_):
        return True

    def read(self):
        if not self.present:
            return False, None
        bgr = np.zeros((48, 64, 3), np.uint8)
        bgr[..., 2] = 200  # red
        return True, bgr

    def release(self):
        pass


def make_camera_node(present=True):
    from jaco_prog.nodes.camera_node import FILE, CameraNode
    from jaco_prog.perception.camera_capture import CameraCapture, CaptureParams
    params = CaptureParams.from_dict({"device": "0", "width": 64, "height": 48, "fps": 30.0,
                                      "retry_interval": FILE["retry_interval"],
                                      "max_failed_reads": FILE["max_failed_reads"]})
    return CameraNode(capture=CameraCapture(params, video_capture=FakeVideoCapture(present)),
                      parameter_overrides=overrides(width=64, height=48))


def test_camera_node_defaults_and_contract():
    from jaco_prog.nodes.camera_node import CameraNode
    node = CameraNode()
    try:
        assert declared(node) == contract("camera_node")
        assert node.p["device"] == "0" and node.p["width"] == 640 and node.p["fps"] == 30.0
        assert len(timers(node)) == 1 and timers(node)[0].timer_period_ns == pytest.approx(1e9 / 30, abs=1)
    finally:
        node.close()
        node.destroy_node()


def test_camera_node_publishes_rgb8_image_with_camera_info():
    node = make_camera_node()
    sent = capture(node)
    timers(node)[0].callback()
    image = sent[topics.name("image")][-1]
    info = sent[topics.name("camera_info")][-1]
    assert (image.encoding, image.height, image.width, image.step) == ("rgb8", 48, 64, 64 * 3)
    from jaco_prog.nodes.common import image_to_rgb
    rgb = image_to_rgb(image)
    assert rgb.shape == (48, 64, 3) and (rgb[..., 0] == 200).all() and (rgb[..., 2] == 0).all()
    assert (info.width, info.height) == (64, 48) and len(info.k) == 9 and info.k[8] == 1.0
    assert image.header.frame_id == info.header.frame_id == "camera_optical_frame"
    assert image.header.stamp == info.header.stamp
    node.destroy_node()


def test_camera_node_without_device_publishes_nothing_and_says_why(capfd):
    node = make_camera_node(present=False)
    sent = capture(node)
    timers(node)[0].callback()
    assert not sent[topics.name("image")]
    assert "cannot open camera device 0" in node.capture.status.message
    err = capfd.readouterr().err
    assert "[ERROR]" in err and "cannot open camera device 0" in err  # rclpy's console log
    node.destroy_node()


# --- driver_node ------------------------------------------------------------------------------------------
def make_driver_node(**params):
    from jaco_prog.nodes.driver_node import DriverNode
    node = DriverNode(parameter_overrides=overrides(**params))
    set_time(node, 100.0)
    return node


def test_driver_node_defaults_configure_activate_and_contract():
    node = make_driver_node()
    try:
        assert node.p["backend"] == "" and node.p["autostart"] is True  # "": driver.yaml's backend, the one home
        assert node.driver is not None and node.driver.backend.name == load_driver_params().backend == "mock"
        assert declared(node) == contract("driver_node")
        periods = sorted(t.timer_period_ns for t in timers(node))
        assert periods == [pytest.approx(1e9 / node.driver.layer.params.control_rate, abs=1), pytest.approx(1e8)]
    finally:
        node.close()
        node.destroy_node()


def test_driver_node_is_managed_without_autostart():
    node = make_driver_node(autostart=False)
    assert node.driver is None and declared(node)["publishes"] == set()
    from rclpy.lifecycle import TransitionCallbackReturn
    assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
    assert declared(node) == contract("driver_node") and not timers(node)
    assert node.trigger_activate() == TransitionCallbackReturn.SUCCESS and len(timers(node)) == 2
    assert node.trigger_deactivate() == TransitionCallbackReturn.SUCCESS and not timers(node)
    assert node.trigger_cleanup() == TransitionCallbackReturn.SUCCESS
    assert node.driver is None and declared(node)["publishes"] == set()
    node.destroy_node()


def test_driver_node_refuses_the_sim_backend_and_says_where_it_lives(capfd):
    node = make_driver_node(backend="sim")
    assert node.driver is None
    assert "runs inside sim_node" in capfd.readouterr().err
    node.destroy_node()


def tick(node, n=1, submit=None):
    """n control periods; `submit` (a JointTrajectory) is delivered before each one, as a 20 Hz+ policy would."""
    command_sub = find(node.subscriptions, topics.name("joint_command"))
    control = min(timers(node), key=lambda t: t.timer_period_ns)
    t = node.get_clock().now().nanoseconds * 1e-9
    for _ in range(n):
        if submit is not None:
            command_sub.callback(submit)
        control.callback()
        t += node.driver.period
        set_time(node, t)


def test_driver_node_clamps_commands_publishes_joint_states_and_diagnostics():
    from jaco_prog.nodes import common
    node = make_driver_node()
    sent = capture(node)
    names = node.profile.joint_names
    limit = node.driver.layer.params.velocity_scale * node.profile.velocity_limits
    arm = np.array([j.group == "arm" for j in node.profile.joints])
    tick(node, 40, submit=common.joint_command(names, np.where(arm, 5.0, 0.0), 100.0, 0.1))
    out = node.driver.backend.calls[-1]
    assert out[0] == "send" and np.allclose(out[1], np.where(arm, limit, 0.0))  # 5 rad/s asked, the limit sent
    assert node.driver.last_tick.status.status.value == "clamped"
    states = sent[topics.name("joint_states")]
    assert len(states) == 40 and list(states[-1].name) == names and len(states[-1].position) == len(names)
    status_timer = max(timers(node), key=lambda t: t.timer_period_ns)
    status_timer.callback()
    diag = sent[topics.name("driver_status")][-1].status[0]
    assert diag.message == "clamped" and diag.level == b"\x00"
    assert {kv.key: kv.value for kv in diag.values}["status"] == "clamped"
    # a command for another arm is rejected: zero output, fault
    tick(node, 2, submit=common.joint_command(["joint_1"] * len(names), [0.1] * len(names), 101.0, 0.1))
    assert node.driver.last_tick.status.status.value == "fault" and not node.driver.last_tick.output.any()
    node.close()
    node.destroy_node()


def test_driver_node_takes_one_point_trajectories_and_honours_their_time_from_start():
    from jaco_prog.nodes import common
    node = make_driver_node()
    names, n = node.profile.joint_names, node.profile.n_joints
    tick(node, 3, submit=common.joint_command(names, [0.2] * n, 100.0, 0.1))
    assert node.driver.last_tick.status.status.value in ("ok", "limited") and node.driver.last_tick.output.any()
    two = common.joint_command(names, [0.2] * n, 100.0, 0.1)
    two.points = [two.points[0], two.points[0]]
    tick(node, 1, submit=two)
    tick_ = node.driver.last_tick
    assert tick_.status.status.value == "fault" and "exactly one trajectory point" in tick_.status.reason
    assert not tick_.output.any()
    # valid for 30 ms: the arm stops after it, long before the 100 ms watchdog
    tick(node, 1, submit=common.joint_command(names, [0.2] * n, 100.0, 0.03))
    assert node.driver.last_tick.output.any()
    tick(node, 4)
    assert node.driver.last_tick.status.status.value == "stale" and not node.driver.last_tick.output.any()
    assert "time_from_start 0.03 s" in node.driver.last_tick.status.reason
    node.close()
    node.destroy_node()


def test_driver_node_estop_reset_and_enable_services():
    from jaco_prog.nodes import common
    node = make_driver_node()
    names = node.profile.joint_names
    call = {k: find(node.services, topics.name(k), "srv_name") for k in ("estop", "reset", "enable")}
    trigger, set_bool = common.interface("std_srvs/srv/Trigger"), common.interface("std_srvs/srv/SetBool")
    cmd = common.joint_command(names, [0.2] * len(names), 100.0, 0.1)
    tick(node, 5, submit=cmd)
    assert node.driver.last_tick.output.any()
    response = call["estop"].callback(trigger.Request(), trigger.Response())
    assert response.success and node.driver.layer.estopped
    tick(node, 2, submit=cmd)
    assert node.driver.last_tick.status.status.value == "estop" and not node.driver.last_tick.output.any()
    assert call["reset"].callback(trigger.Request(), trigger.Response()).success
    assert not node.driver.layer.estopped
    response = call["enable"].callback(set_bool.Request(data=False), set_bool.Response())
    assert response.success and "disabled" in response.message
    tick(node, 20, submit=cmd)  # ignored: the watchdog holds zero
    assert node.driver.last_tick.status.status.value == "stale" and not node.driver.last_tick.output.any()
    assert call["enable"].callback(set_bool.Request(data=True), set_bool.Response()).success
    tick(node, 3, submit=cmd)
    assert node.driver.last_tick.output.any()
    node.close()
    node.destroy_node()


def test_driver_node_gen2_bridge_publishes_kinova_velocities_from_the_gen2_joint_state():
    pytest.importorskip("kinova_msgs.msg", reason="kinova_msgs (the Gen2 driver's messages) is not installed")
    from jaco_prog.nodes import common
    node = make_driver_node(backend="gen2_bridge")
    assert node.driver is not None and node.driver.backend.name == "gen2_bridge"
    g2 = node.driver.backend.params
    sent = capture(node)
    names = node.profile.joint_names
    state_sub = find(node.subscriptions, g2.joint_state_topic)
    t = 100.0
    for _ in range(20):
        state_sub.callback(common.joint_state(names, node.profile.home, [0.0] * len(names), t))
        find(node.subscriptions, topics.name("joint_command")).callback(
            common.joint_command(names, [0.3] * len(names), t, 0.1))
        min(timers(node), key=lambda x: x.timer_period_ns).callback()
        t += node.driver.period
        set_time(node, t)
    arm = sent[g2.command_topic]
    assert arm and arm[-1].joint1 > 0  # deg/s, limited
    assert sent[g2.finger_command_topic]
    node.close()
    node.destroy_node()


# --- tracker_node -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def reached_scene():
    """A fixed simulated scene (no randomisation) after the scripted reacher brought the palm to the target:
    the camera frame, its calibration, joint positions, and the ground truth."""
    from jaco_prog.perception.camera_model import PinholeCamera
    from jaco_prog.sim import make_env, scene
    from jaco_prog.sim.scripted_policy import ScriptedReacher
    blocks = ("target_shape", "target_size", "target_colour", "distractors", "table_colour", "light", "camera",
              "dynamics", "latency")
    env = make_env(overrides={"randomisation": {b: {"enabled": False} for b in blocks}}, seed=3)
    try:
        u = env.unwrapped
        reacher = ScriptedReacher(env, arrival=0.02, lead=0.0)  # the scene the assertions were written on
        home = {"rgb": u.render_camera(320, 240), "q": u.sim.joint_positions()}
        for _ in range(50):
            env.step(reacher.act())
            if np.linalg.norm(u.sim.palm_position() - u.target_position()) < 0.06:
                break
        camera = PinholeCamera.from_mujoco(u.model, u.data, scene.POLICY_CAMERA, 320, 240)
        yield {"rgb": u.render_camera(320, 240), "q": u.sim.joint_positions(), "target": u.target_position(),
               "palm": u.sim.palm_position(), "camera": camera, "names": u.profile.joint_names,
               "home": home, "cfg": u.cfg.scene}
    finally:
        env.close()


def test_tracker_node_defaults_and_contract():
    from jaco_prog.nodes.tracker_node import TrackerNode
    node = TrackerNode()
    assert declared(node) == contract("tracker_node")
    assert len(node.p["hsv_ranges"]) == 12  # two red ranges from config/tracker.yaml
    node.destroy_node()


def test_tracker_node_turns_a_frame_into_target_point_marker_and_reward(reached_scene):
    from jaco_prog.messages import camera_info_fields
    from jaco_prog.nodes import common
    from jaco_prog.nodes.tracker_node import TrackerNode
    s = reached_scene
    cfg = s["cfg"]
    node = TrackerNode(parameter_overrides=overrides(camera_position=[float(v) for v in cfg.camera_pos],
                                                     camera_lookat=[float(v) for v in cfg.camera_lookat]))
    # a measured pose without a field of view: the simulated camera's, until CameraInfo says otherwise
    assert np.isfinite(node.tracker.camera.fx) and node.tracker.camera.fx > 0
    sent = capture(node)
    deliver = {k: find(node.subscriptions, topics.name(k)).callback for k in ("image", "camera_info", "joint_states")}
    t = 50.0
    deliver["camera_info"](common.camera_info(camera_info_fields(s["camera"]), t, "camera_optical_frame"))
    deliver["joint_states"](common.joint_state(s["names"], s["q"], None, t))
    deliver["image"](common.rgb_to_image(s["rgb"], t, "camera_optical_frame"))
    assert np.linalg.norm(s["palm"] - s["target"]) < 0.10  # the scene: palm within reach of the target
    assert sent[topics.name("target_visible")][-1].data is True
    point = sent[topics.name("target_point")][-1]
    found = np.array([point.point.x, point.point.y, point.point.z])
    assert np.linalg.norm(found - s["target"]) < 0.02 and point.header.frame_id == "j2n6s300_link_base"
    assert sent[topics.name("reward")][-1].data == 1.0
    sphere, text = sent[topics.name("target_marker")][-2:]
    assert (sphere.ns, sphere.action, text.ns) == ("target", 0, "reward") and text.text == "reward 1"
    # palm back at the start pose: target seen, no reward
    deliver["joint_states"](common.joint_state(s["names"], s["home"]["q"], None, t + 0.05))
    deliver["image"](common.rgb_to_image(s["home"]["rgb"], t + 0.05, "camera_optical_frame"))
    assert sent[topics.name("reward")][-1].data == 0.0 and sent[topics.name("target_visible")][-1].data is True
    # no red in the frame: not visible, marker deleted, reward 0 and why
    deliver["image"](common.rgb_to_image(np.full((240, 320, 3), 90, np.uint8), t + 0.1, "camera_optical_frame"))
    assert sent[topics.name("target_visible")][-1].data is False
    sphere, text = sent[topics.name("target_marker")][-2:]
    assert sphere.action == 2 and "target not visible" in text.text
    assert sent[topics.name("reward")][-1].data == 0.0
    node.destroy_node()


# --- policy_node ------------------------------------------------------------------------------------------
def _checkpoint(path):
    import torch
    from jaco_prog.nets.checkpoint import save_checkpoint
    from jaco_prog.nets.progressive import ProgressiveNet
    from jaco_prog.nets.spec import ColumnSpec, NetSpec
    from jaco_prog.robot.profile import load_profile
    torch.manual_seed(0)
    p = load_profile("j2n6s300")
    spec = NetSpec(profile=p.to_dict(), columns=(ColumnSpec.preset("narrow", inputs="pixels+proprio"),),
                   proprio_dim=2 * p.n_joints, privileged_dim=6 + 2 * p.n_joints)
    return save_checkpoint(path, {"spec": spec.to_dict(), "model": ProgressiveNet(spec).state_dict()})


def run_policy(node, ticks: int, t0: float = 10.0, feed=True):
    """Policy timer ticks at its period with fresh inputs delivered before each one; returns the end time."""
    from jaco_prog.nodes import common
    image, joints = (find(node.subscriptions, topics.name(k)).callback for k in ("image", "joint_states"))
    names = node.profile.joint_names
    rgb = np.zeros((240, 320, 3), np.uint8)
    t = t0
    for _ in range(ticks):
        set_time(node, t)
        if feed:
            image(common.rgb_to_image(rgb, t, "camera_optical_frame"))
            joints(common.joint_state(names, node.profile.home, [0.0] * len(names), t))
        node.timer.callback()
        t += node.timer.timer_period_ns * 1e-9
    return t


def test_policy_node_defaults_and_contract():
    from jaco_prog.nodes.policy_node import PolicyNode
    node = PolicyNode()
    assert declared(node) == contract("policy_node")
    assert node.timer.timer_period_ns == pytest.approx(5e7)  # 20 Hz
    node.destroy_node()


@pytest.mark.parametrize("with_checkpoint", [False, True])
def test_policy_node_commands_one_point_trajectories_in_episodes_and_reports_why_not(tmp_path, with_checkpoint):
    from jaco_prog.nodes.policy_node import PolicyNode
    params = {"checkpoint": str(_checkpoint(tmp_path / "net" / "checkpoint.pt").parent)} if with_checkpoint else {}
    node = PolicyNode(parameter_overrides=overrides(**params))
    sent = capture(node)
    run_policy(node, 3, feed=False)
    assert not sent[topics.name("joint_command")]
    statuses = [m.status[0] for m in sent[topics.name("policy_status")]]
    assert len(statuses) == 3 and statuses[-1].level == b"\x01"
    assert statuses[-1].message in ("no image received yet", "waiting for an episode to start")
    resets = node.loop.resets
    run_policy(node, 60, t0=20.0)
    events = [m.data for m in sent[topics.name("episode_event")]]
    assert events[0] == "start 0" and events[1].startswith("end 0 ")
    assert node.loop.resets > resets  # LSTM state cleared at the episode start
    commands = sent[topics.name("joint_command")]
    assert len(commands) >= 50  # one per tick while the episode runs (+ a stop at its end)
    v = node.profile.action_velocities
    for cmd in commands:
        assert list(cmd.joint_names) == node.profile.joint_names and len(cmd.points) == 1
        point = cmd.points[0]
        assert len(point.velocities) == len(v) and not len(point.positions)
        assert all(np.isclose(abs(x), 0.0) or np.isclose(abs(x), vi) for x, vi in zip(point.velocities, v))
        assert point.time_from_start.sec + point.time_from_start.nanosec * 1e-9 == pytest.approx(0.1)
    ok = [s for m in sent[topics.name("policy_status")] for s in m.status if s.message == "ok"]
    assert ok and {kv.key for kv in ok[-1].values} >= {"period_ms", "inference_ms", "episode", "step"}
    # inputs go stale: the command stops and the status says why
    t = run_policy(node, 2, t0=30.0)
    set_time(node, t + 1.0)  # > policy.image_timeout
    before = len(commands)
    node.timer.callback()
    assert len(sent[topics.name("joint_command")]) == before
    assert "old" in sent[topics.name("policy_status")][-1].status[0].message
    node.destroy_node()


def test_policy_node_real_mode_asks_the_operator_every_third_episode(capfd):
    from jaco_prog.nodes.policy_node import PolicyNode
    node = PolicyNode(parameter_overrides=overrides(mode="real", operator_wait=0.5))
    sent = capture(node)
    run_policy(node, 3)
    assert not sent[topics.name("episode_event")]  # waiting for the operator
    assert node._operator_timer is not None
    node._operator_timer.callback()  # the wait is over
    run_policy(node, 4, t0=11.0)
    assert sent[topics.name("episode_event")][0].data == "start 0"
    assert "move the target" in capfd.readouterr().err
    node.destroy_node()


# --- sim_node ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sim_node():
    from jaco_prog.nodes.sim_node import SimNode
    node = SimNode()
    yield node
    node.close()
    node.destroy_node()


def test_sim_node_declares_what_camera_node_and_driver_node_declare_plus_sim_only(sim_node):
    real = {k: contract("camera_node")[k] | contract("driver_node")[k] for k in ("publishes", "subscribes",
                                                                                 "services")}
    sim = declared(sim_node)
    for kind in real:
        assert real[kind] <= sim[kind], kind  # same names, types and QoS as the real nodes
    extra = contract("sim_node")
    assert sim == extra
    sim_only = {topics.name(k) for k in topics.SIM_ONLY} | {topics.name("episode_event")}
    for kind in real:
        assert {x[0] for x in sim[kind] - real[kind]} <= sim_only, kind


def test_sim_node_publishes_the_real_nodes_topics_and_obeys_commands_through_the_safety_layer(sim_node):
    from jaco_prog.nodes import common
    node = sim_node
    sent = capture(node)
    world = node.world
    names = world.joint_names
    command = find(node.subscriptions, topics.name("joint_command")).callback
    q0 = world.sim.joint_positions().copy()
    for k in range(40):
        command(common.joint_command(names, [5.0] + [0.0] * (len(names) - 1), world.now, 0.1))
        node.timer.callback()
    assert len(sent[topics.name("clock")]) == 40 and len(sent[topics.name("joint_states")]) == 40
    images = sent[topics.name("image")]
    assert len(images) == 8 and (images[0].width, images[0].height, images[0].encoding) == (320, 240, "rgb8")
    assert len(sent[topics.name("camera_info")]) == 8 and len(sent[topics.name("reward_ground_truth")]) == 8
    assert sent[topics.name("driver_status")][-1].status[0].message == "clamped"  # 5 rad/s asked
    moved = world.sim.joint_positions() - q0
    assert moved[0] > 0.05 and np.abs(moved[1:6]).max() < 0.05
    assert max(world.driver.last_tick.output) <= world.profile.velocity_limits[0] + 1e-9
    clock = sent[topics.name("clock")]
    assert common.seconds(clock[-1].clock) == pytest.approx(39 * world.period)


def test_sim_node_services_and_episode_reset(sim_node):
    from jaco_prog.nodes import common
    node = sim_node
    trigger, set_bool = common.interface("std_srvs/srv/Trigger"), common.interface("std_srvs/srv/SetBool")
    srv = {k: find(node.services, topics.name(k), "srv_name").callback for k in ("estop", "reset", "enable",
                                                                                 "reset_episode")}
    assert srv["estop"](trigger.Request(), trigger.Response()).success and node.world.layer.estopped
    node.timer.callback()
    assert node.world.driver.last_tick.status.status.value == "estop"
    assert srv["reset"](trigger.Request(), trigger.Response()).success and not node.world.layer.estopped
    assert srv["enable"](set_bool.Request(data=False), set_bool.Response()).success and not node.world.enabled
    assert srv["enable"](set_bool.Request(data=True), set_bool.Response()).success and node.world.enabled
    target = node.world.target_position().copy()
    event = find(node.subscriptions, topics.name("episode_event")).callback
    event(common.scalar("episode_event", "end 4 7"))
    assert node.world.episode_seed == node.p["seed"] + 5 and not np.allclose(node.world.target_position(), target)
    # any node may publish there: a malformed event is ignored (and logged), an end without a return is an end
    for garbage in ("end", "end four 7", "end 4 nan", "hello"):
        event(common.scalar("episode_event", garbage))
        assert node.world.episode_seed == node.p["seed"] + 5
    event(common.scalar("episode_event", "end 6"))
    assert node.world.episode_seed == node.p["seed"] + 7
    assert srv["reset_episode"](trigger.Request(), trigger.Response()).success


def test_a_sim_safety_violation_ends_the_episode_in_the_ros_graph(sim_node):
    """sim_node reports the violation in its diagnostics; policy_node, which runs the episodes, ends the
    running episode on it (as the in-process runner does), instead of playing out 50 steps."""
    from jaco_prog.nodes.policy_node import PolicyNode
    sent = capture(sim_node)
    sim_node.world.violation = "table_contact"
    for _ in range(sim_node.world.status_every):
        sim_node.timer.callback()
    arrays = sent[topics.name("driver_status")]
    names = [s.name for m in arrays for s in m.status]
    assert any(name.endswith("/violation") for name in names)
    policy = PolicyNode(parameter_overrides=overrides())
    events = capture(policy)
    run_policy(policy, 12, t0=50.0)
    assert policy.manager.running
    step = policy.manager.step
    for sub in policy.subscriptions:
        if sub.topic_name == topics.name("driver_status"):
            sub.callback(arrays[-1])
    texts = [m.data for m in events[topics.name("episode_event")]]
    assert texts[-1].startswith("end 0") and not policy.manager.running
    assert policy.manager.end_reasons[-1] == "violation: table_contact" and step < 50
    policy.destroy_node()
    sim_node.world.violation = None


@pytest.mark.parametrize("preset", ["", "real_proxy"])
def test_tracker_node_calibrates_with_the_simulated_camera_unless_given_a_pose(preset):
    from jaco_prog.nodes.tracker_node import TrackerNode
    from jaco_prog.sim.task_config import nominal_camera
    node = TrackerNode(parameter_overrides=overrides(sim_preset=preset)) if preset else TrackerNode()
    assert node.tracker.camera.position == pytest.approx(nominal_camera(preset or None)[0])
    node.destroy_node()
    measured = TrackerNode(parameter_overrides=overrides(camera_position=[1.0, 0.2, 0.9],
                                                         camera_lookat=[0.3, 0.0, 0.1], camera_fovy_deg=45.0))
    assert measured.tracker.camera.position == pytest.approx([1.0, 0.2, 0.9])
    measured.destroy_node()


# --- the cross-file check when a node loads its parameters --------------------------------------------------
def test_sim_node_refuses_a_runtime_file_that_disagrees_with_the_task_before_it_builds_the_world(tmp_path,
                                                                                                 monkeypatch):
    from jaco_prog.config import ConfigError
    from jaco_prog.nodes import sim_node
    from jaco_prog.paths import config_path

    text = config_path("runtime.yaml").read_text()
    assert "  rate: 20.0 " in text
    runtime = tmp_path / "runtime.yaml"
    runtime.write_text(text.replace("  rate: 20.0 ", "  rate: 10.0 ", 1))

    def build(**_):
        raise AssertionError("the world was built from files that disagree")
    monkeypatch.setattr(sim_node.SimWorld, "build", build)
    with pytest.raises(ConfigError) as err:
        sim_node.SimNode(parameter_overrides=overrides(runtime_config=str(runtime)))
    message = str(err.value)
    assert "\n" not in message and "runtime.yaml: policy.rate" in message and "task.yaml: task.control_hz" in message


def disagreeing_files(monkeypatch):
    from jaco_prog import config_check
    from jaco_prog.config import ConfigError

    def disagree(**_):
        raise ConfigError("safety.yaml: defaults.command_timeout", "0.04 s is not longer than one policy period")
    monkeypatch.setattr(config_check, "check_agreement", disagree)


def test_camera_node_refuses_config_files_that_disagree(monkeypatch):
    from jaco_prog.config import ConfigError
    from jaco_prog.nodes.camera_node import CameraNode
    disagreeing_files(monkeypatch)
    with pytest.raises(ConfigError, match="safety.yaml: defaults.command_timeout"):
        CameraNode()


def test_driver_node_does_not_configure_when_config_files_disagree(monkeypatch, capfd):
    disagreeing_files(monkeypatch)
    node = make_driver_node()
    try:
        assert node.driver is None and declared(node)["publishes"] == set()
        err = capfd.readouterr().err
        assert "configure failed: safety.yaml: defaults.command_timeout" in err
    finally:
        node.destroy_node()


def test_policy_and_tracker_nodes_refuse_config_files_that_disagree(monkeypatch):
    from jaco_prog.config import ConfigError
    from jaco_prog.nodes.policy_node import PolicyNode
    from jaco_prog.nodes.tracker_node import TrackerNode
    disagreeing_files(monkeypatch)
    for node_class in (PolicyNode, TrackerNode):
        with pytest.raises(ConfigError, match="safety.yaml: defaults.command_timeout"):
            node_class()


# --- parameters whose values live in config/*.yaml --------------------------------------------------------------
def node_defaults(module) -> dict:
    """A node module's PARAMETERS with the defaults given as functions resolved, as common.declare does."""
    values = {}
    for name, default in module.PARAMETERS.items():
        values[name] = default(values) if callable(default) else default
    return values


@pytest.mark.parametrize("file", ["sim_nodes.yaml", "real_nodes.yaml"])
def test_the_parameter_files_are_the_home_of_the_node_defaults_they_hold_and_of_their_types(file):
    """A node started without the launch file's parameter file runs as with it; and ROS accepts the file, which it
    would not if a value had another type than the parameter's default (30 for a double)."""
    import importlib

    from jaco_prog.config import load_yaml
    from jaco_prog.paths import config_path

    for node, section in load_yaml(config_path(file)).items():
        module = importlib.import_module(f"jaco_prog.nodes.{node}")
        defaults = node_defaults(module)
        homes = [c for c in vars(module).values() if isinstance(c, type) and
                 getattr(c, "__config_home__", None) == (file, (node, "ros__parameters"))]
        held = {f.name for cls in homes for f in dataclasses.fields(cls)}
        for key, value in section["ros__parameters"].items():
            assert type(value) is type(defaults[key]), f"{file}: {node}.{key} = {value!r}, default {defaults[key]!r}"
            if key in held:
                assert value == defaults[key], f"{file}: {node}.{key}"
        assert held <= set(section["ros__parameters"])


def test_a_parameter_file_value_ros_would_refuse_is_refused_in_one_line_naming_the_file(tmp_path, monkeypatch):
    from jaco_prog import paths
    from jaco_prog.config import ConfigError
    from jaco_prog.nodes import common
    from jaco_prog.nodes.camera_node import CameraFileParameters

    where = "real_nodes.yaml: camera_node.ros__parameters"
    cases = [("fps: 30.0", "fps: 30", f"{where}.fps: ROS reads 30 as an integer, but the parameter is a number: "
                                      "write 30.0"),
             ("fps: 30.0", "fps: .nan", f"{where}.fps: must be a finite number (got nan)"),
             ("    fx: 0.0\n", "    fx: 0.0\n    fx: 1.0\n", "camera_node.ros__parameters.fx: duplicate key")]
    shipped = paths.config_path("real_nodes.yaml").read_text()
    for i, (old, new, message) in enumerate(cases):
        assert old in shipped
        copy = tmp_path / str(i) / "real_nodes.yaml"
        copy.parent.mkdir()
        copy.write_text(shipped.replace(old, new, 1))
        monkeypatch.setattr(paths, "config_path", lambda name, _copy=copy: _copy)
        with pytest.raises(ConfigError) as err:
            common.file_parameters(CameraFileParameters)
        assert "\n" not in str(err.value) and message in str(err.value)


def test_the_tracker_node_takes_its_ranges_and_camera_size_from_the_files_it_is_given(tmp_path):
    """hsv_ranges and camera_width / camera_height default to the tracker_config's and runtime_config's values,
    not to the package's: a site's tracker.yaml is not overridden by the package's ranges."""
    import yaml

    from jaco_prog.nodes.tracker_node import TrackerNode
    from jaco_prog.paths import config_path

    tracker = yaml.safe_load(config_path("tracker.yaml").read_text())
    tracker["tracker"]["hsv_ranges"] = [{"low": [100, 150, 50], "high": [130, 255, 255]}]  # a blue target
    runtime = yaml.safe_load(config_path("runtime.yaml").read_text())
    runtime["sim"].update(camera_width=160, camera_height=120)
    (tmp_path / "tracker.yaml").write_text(yaml.safe_dump(tracker))
    (tmp_path / "runtime.yaml").write_text(yaml.safe_dump(runtime))
    node = TrackerNode(parameter_overrides=overrides(tracker_config=str(tmp_path / "tracker.yaml"),
                                                     runtime_config=str(tmp_path / "runtime.yaml")))
    try:
        assert node.p["hsv_ranges"] == [100, 150, 50, 130, 255, 255]
        assert node.tracker.tracker.params.hsv_ranges == (((100, 150, 50), (130, 255, 255)),)
        assert (node.p["camera_width"], node.p["camera_height"]) == (160, 120)
        assert (node.tracker.camera.width, node.tracker.camera.height) == (160, 120)
    finally:
        node.destroy_node()
