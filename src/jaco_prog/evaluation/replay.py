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

"""Offline evaluation of a recorded session by replaying its bag through the graph's components (no ROS).

    result = evaluate_bag(bag, checkpoint=None, options=EvalOptions())

One pass over the bag, in timestamp order (jaco_prog.evaluation.bagread):
  episode_event    'start n' / 'end n r' split the session into episodes (only complete ones are reported)
  reward           the recorded reward: per-episode return (the 'end' event's), success, time within 10 cm
  driver_status    safety events: the safety layer's non-ok statuses (clamped, limited, stale, estop, fault)
  image + camera_info + joint_states
                   RewardTracker recomputes the reward of every frame; agreement with the recorded one
  joint_command    with a checkpoint: PolicyLoop (LSTM reset at each 'start') is ticked at each recorded
                   command's stamp on the recorded inputs; per-joint agreement of its actions with the recorded

Malformed messages never end the replay in a traceback: an image whose step is smaller than width x channels,
an empty (0 x 0) or short image, joint states with fewer (or non-finite) positions than names, camera info
without a 3x3 K, a non-finite reward, a command that is not one velocity per joint name, an episode event that
does not parse or an 'end' without a return are each skipped and counted (Evaluation.skipped: one line per
kind, with the count and the first time); what the bag cannot be read without (no required topic, an encoding
the replay does not know) is refused in one line (BagError).

The tracker needs the camera pose in the robot base frame (the extrinsic calibration, not in CameraInfo). In
order of precedence: --camera-position/--camera-lookat; a base -> camera transform on /tf_static or /tf; for a
bag of `jaco-prog run --sim` (custom_data clock: sim) each episode's randomised camera, rebuilt from the run's
task, preset and seed (episode n uses seed + n); else config/real_nodes.yaml tracker_node's calibration.
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from jaco_prog import topics
from jaco_prog.errors import UserError
from jaco_prog.evaluation.bagread import BagError, BagSource, UndecodableImage
from jaco_prog.messages import MalformedImage, UnsupportedEncoding, image_to_rgb, seconds

KEYS = ("image", "camera_info", "joint_states", "reward", "episode_event", "driver_status", "joint_command", "tf",
        "tf_static")
REQUIRED = ("image", "reward", "episode_event", "joint_states")


@dataclass
class EvalOptions:
    profile: str | None = None  # robot profile (default: the bag's custom_data robot_profile, else j2n6s300)
    camera_position: tuple | None = None  # fixed extrinsic calibration (base frame, m)
    camera_lookat: tuple | None = None
    video_episodes: tuple = (0, 1)  # indices (in order of completion) of episodes to put in the video
    video_height: int = 240
    seed: int = 0  # sampling seed of a non-greedy policy


@dataclass
class EpisodeResult:
    episode: int
    start: float  # s, bag time of 'start n'
    end: float
    recorded_return: float  # the 'end n r' event's return (what the episode manager credited)
    reward_sum: float  # sum of the reward topic in (start, end]
    recomputed_return: float  # the same frames' rewards recomputed by the tracker
    frames: int  # reward messages in (start, end]
    steps: int  # commands issued in [start, end)
    time_within: float  # s with the recorded reward > 0 (palm within reward_radius of the target)
    min_distance: float | None  # smallest recomputed palm-target distance (m)
    reward_agreement: float | None  # fraction of frames where recomputed == recorded
    safety: dict = field(default_factory=dict)  # driver status -> messages in the episode
    safety_events: list = field(default_factory=list)  # (t, status, reason) at each change into a non-ok status
    action_agreement: np.ndarray | None = None  # per joint, fraction of commands with the same action
    action_all: float | None = None  # fraction of commands with every joint's action the same
    commands_compared: int = 0

    @property
    def success(self) -> bool:
        return self.recorded_return > 0

    @property
    def length(self) -> float:
        return self.end - self.start


@dataclass
class Evaluation:
    bag: Path
    info: object  # BagInfo
    profile: str
    joint_names: list
    camera_source: str
    episodes: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # what was left out, and why
    checkpoint: str | None = None
    frames: dict = field(default_factory=dict)  # timeline: t, recorded, recomputed, episode (-1: between)
    commands: dict = field(default_factory=dict)  # t, episode, recorded actions, replayed actions (or -1)
    video_frames: list = field(default_factory=list)
    duration: float = 0.0  # s of bag time read
    wall: float = 0.0  # s spent reading and processing
    setup_wall: float = 0.0  # s spent before the first message (opening, camera models, nets)
    frame_count: int = 0

    @property
    def realtime_factor(self) -> float:
        return self.duration / self.wall if self.wall > 0 else float("inf")


def _stamp(msg, t_ns: int) -> float:
    header = getattr(msg, "header", None)
    if header is None:
        return t_ns / 1e9
    s = seconds(header.stamp)
    return s if s > 0 else t_ns / 1e9


class _Cameras:
    """The camera pose for each episode (see the module docstring)."""

    def __init__(self, options: EvalOptions, info, profile, params):
        from jaco_prog.perception.camera_capture import camera_intrinsics, look_at

        self._world = None
        self.fixed = None
        self.from_tf = False
        custom = info.custom_data
        if options.camera_position is not None:
            lookat = options.camera_lookat if options.camera_lookat is not None else (0.25, 0.0, 0.3)
            self.fixed = look_at(camera_intrinsics(320, 240, 52.0), options.camera_position, lookat)
            self.source = f"given: position {list(options.camera_position)}, look-at {list(lookat)}"
        elif "/tf_static" in info.topics or "/tf" in info.topics:
            self.source = "the bag's /tf_static or /tf (base -> camera frame)"
            self.from_tf = True
            self.fixed = self._default()[0]
        elif custom.get("clock") == "sim" and custom.get("task"):
            from jaco_prog.runtime.sim_world import SimWorld

            self.seed = int(custom.get("seed") or 0)
            try:
                self._world = SimWorld.build(task=custom["task"], preset=custom.get("preset") or None,
                                             profile=profile.name, seed=self.seed, params=params)
            except Exception as err:  # noqa: BLE001 - a preset or task this version does not know
                raise BagError(f"cannot rebuild the sim cameras of this bag (task {custom['task']!r}, preset "
                               f"{custom.get('preset')!r}): {err}") from None
            self.source = (f"sim: each episode's randomised camera, rebuilt from task {custom['task']!r}, preset "
                           f"{custom.get('preset') or 'none'!r}, seed {self.seed} + episode")
        else:
            self.fixed, self.source = self._default()

    @staticmethod
    def _default():
        from jaco_prog.config import load_yaml
        from jaco_prog.paths import config_path
        from jaco_prog.perception.camera_capture import configured_camera
        from jaco_prog.sim.task_config import nominal_camera

        p = load_yaml(config_path("real_nodes.yaml"))["tracker_node"]["ros__parameters"]
        position, lookat = p.get("camera_position", [0.0] * 3), p.get("camera_lookat", [0.0] * 3)
        cam = configured_camera(int(p.get("camera_width", 640)), int(p.get("camera_height", 480)), position,
                                lookat, float(p.get("camera_fovy_deg", 0.0)), nominal_camera())
        if any(position) or any(lookat):
            return cam, (f"config/real_nodes.yaml tracker_node calibration (position {list(position)}, look-at "
                         f"{list(lookat)})")
        return cam, "the simulated camera's nominal pose (config/real_nodes.yaml's tracker_node sets none)"

    def initial(self):
        return self.for_episode(0) if self._world is not None else self.fixed

    def for_episode(self, n: int):
        if self._world is None:
            return None
        self._world.reset_episode(self.seed + n)
        return self._world.camera_model()

    def close(self) -> None:
        if self._world is not None:
            self._world.close()


def _pose_from_tf(camera, transform):
    from jaco_prog.perception.camera_model import PinholeCamera

    q = transform.rotation
    x, y, z, w = q.x, q.y, q.z, q.w
    rot = np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                    [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                    [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])
    t = transform.translation
    return PinholeCamera(camera.width, camera.height, camera.fx, camera.fy, camera.cx, camera.cy, rot,
                         np.array([t.x, t.y, t.z]))


def _load_policy(checkpoint, bag_joints: list, profile, params, seed: int):
    from jaco_prog.nets.policy import Policy
    from jaco_prog.runtime.policy_loop import NetActor, PolicyLoop

    policy = Policy.from_checkpoint(checkpoint, seed=seed)
    if list(policy.joint_names) != list(bag_joints):
        raise UserError(f"checkpoint {checkpoint} drives joints {policy.joint_names} (profile "
                        f"{policy.spec.profile.get('name')!r}); the bag's commands are for {list(bag_joints)} "
                        f"(profile {profile.name!r})")
    size = policy.spec.pixels_shape[0]
    if size != params.policy.image_size:
        raise UserError(f"checkpoint {checkpoint} reads {size}x{size} images; runtime.yaml policy.image_size is "
                        f"{params.policy.image_size}")
    velocities = policy.spec.profile.get("action_velocities") or profile.action_velocities
    return PolicyLoop(NetActor(policy, params.policy.greedy), policy.joint_names, velocities, params.policy)


def evaluate_bag(path: str | Path, checkpoint: str | None = None, options: EvalOptions | None = None) -> Evaluation:
    """Replay the bag at `path`; the Evaluation holds per-episode results, timelines and video frames."""
    from jaco_prog.robot.profile import load_profile
    from jaco_prog.runtime.params import load_runtime_params
    from jaco_prog.runtime.reward_tracker import RewardTracker

    options = options or EvalOptions()
    wall0 = time.perf_counter()
    params = load_runtime_params()
    source = BagSource(path, KEYS, REQUIRED)
    cameras = None
    try:
        info = source.info
        profile_name = options.profile or info.custom_data.get("robot_profile") or "j2n6s300"
        try:
            profile = load_profile(profile_name)
        except Exception as err:  # noqa: BLE001 - ConfigError / KeyError of an unknown profile
            raise UserError(f"robot profile {profile_name!r}: {err}") from None
        first_js = source.first("joint_states")
        bag_joint_names = list(first_js.name) if first_js is not None else []
        missing = [n for n in profile.joint_names if n not in bag_joint_names]
        if missing:
            raise BagError(f"the bag's joint_states name {bag_joint_names}, not the joints {missing} of robot "
                           f"profile {profile.name!r} (give --profile)")
        first_cmd = source.first("joint_command")
        command_joints = list(first_cmd.joint_names) if first_cmd is not None else list(profile.joint_names)
        loop = _load_policy(checkpoint, command_joints, profile, params, options.seed) if checkpoint else None
        cameras = _Cameras(options, info, profile, params)
        tracker = RewardTracker.for_profile(profile, cameras.initial(), params=params.tracker)
        result = Evaluation(Path(path), info, profile.name, list(profile.joint_names), cameras.source,
                            checkpoint=str(checkpoint) if checkpoint else None)
        result.setup_wall = time.perf_counter() - wall0
        _replay(source, result, tracker, cameras, loop, profile, params, options)
        result.wall = time.perf_counter() - wall0
    finally:
        if cameras is not None:
            cameras.close()
        source.close()
    return result


def _replay(source, result: Evaluation, tracker, cameras, loop, profile, params, options) -> None:
    from jaco_prog.runtime.episodes import parse_event

    base, camera_frame = profile.base_link, params.camera_frame
    n_joints = len(loop.joint_names) if loop is not None else len(profile.joint_names)
    velocities = np.asarray(loop.action_velocities if loop is not None else profile.action_velocities, float)
    loop_names = loop.joint_names if loop is not None else list(profile.joint_names)
    frame_t, frame_rec, frame_new, frame_ep = [], [], [], []
    malformed: dict[tuple[str, str], list] = {}  # (topic key, why) -> [count, first bag time]

    def skip(key: str, why: str, t: float) -> None:
        entry = malformed.setdefault((key, why), [0, t])
        entry[0] += 1

    cmd_t, cmd_ep, cmd_rec, cmd_rep = [], [], [], []
    pending: deque = deque()  # recomputed (tracker output, rgb or None) per image, awaiting its reward message
    current: dict | None = None  # the open episode
    completed = 0
    first_t = last_t = None
    last_status = "ok"
    video_height = options.video_height

    def new_episode(n: int, t: float) -> dict:
        return {"n": n, "start": t, "frames": [], "dist": [], "agree": [], "status": {}, "events": [],
                "cmds": [], "steps": 0, "video": [], "video_on": completed in options.video_episodes}

    for t_ns, key, msg in source.messages():
        t_bag = t_ns / 1e9
        if first_t is None:
            first_t = t_bag
        last_t = t_bag
        if key == "joint_states":
            names, positions, velocity = list(msg.name), np.asarray(msg.position, float), msg.velocity
            if len(positions) < len(names):
                skip(key, f"joint states with fewer positions than names ({len(positions)} for {len(names)})",
                     t_bag)
                continue
            if not np.isfinite(positions[:len(names)]).all():
                skip(key, "joint states with non-finite positions", t_bag)
                continue
            if len(velocity) not in (0, len(names)):
                skip(key, f"joint states with {len(velocity)} velocities for {len(names)} names", t_bag)
                continue
            stamp = _stamp(msg, t_ns)
            tracker.on_joint_state(names, positions, stamp)
            if loop is not None:
                loop.on_joint_state(names, positions, velocity, stamp)
        elif key == "camera_info":
            k = np.asarray(msg.k, float)
            if k.size != 9 or not np.isfinite(k).all():
                skip(key, "camera info whose K is not 9 finite numbers", t_bag)
            elif int(msg.width) > 0 and k[0] > 0:
                tracker.on_camera_info(msg.width, msg.height, k)
        elif key == "image":
            try:
                rgb = image_to_rgb(msg)  # a raw Image, or bagread's DecodedImage of a compressed one
            except UnsupportedEncoding as err:
                raise BagError(str(err)) from None
            except (MalformedImage, UndecodableImage) as err:
                skip(key, str(err), t_bag)
                # a placeholder, so that this frame's reward message pairs with "not recomputed"
                pending.append((None, None, current is not None))
                if len(pending) > 8:
                    pending.popleft()
                continue
            stamp = _stamp(msg, t_ns)
            out = tracker.on_image(rgb, stamp)
            if loop is not None:
                loop.on_image(rgb, stamp)
            keep = rgb if current is not None and current["video_on"] else None
            pending.append((out, keep, current is not None))
            if len(pending) > 8:  # rewards not recorded for some frames: forget the oldest
                pending.popleft()
            result.frame_count += 1
        elif key == "reward":
            recorded = float(msg.data)
            out, rgb, _ = pending.popleft() if pending else (None, None, False)
            if not np.isfinite(recorded):
                skip(key, f"non-finite reward ({recorded})", t_bag)
                continue
            recomputed = out.reward if out is not None else np.nan
            frame_t.append(t_bag)
            frame_rec.append(recorded)
            frame_new.append(recomputed)
            frame_ep.append(current["n"] if current is not None else -1)
            if current is not None:
                current["frames"].append((t_bag, recorded, recomputed))
                if out is not None and out.distance is not None:
                    current["dist"].append(out.distance)
                if rgb is not None:
                    current["video"].append(_video_frame(rgb, out, tracker.camera, recorded, current, t_bag,
                                                         video_height))
        elif key == "driver_status":
            for status in msg.status[:1]:
                values = {kv.key: kv.value for kv in status.values}
                value = values.get("status") or status.message or "?"
                if current is not None:
                    current["status"][value] = current["status"].get(value, 0) + 1
                    if value != "ok" and value != last_status:
                        current["events"].append((t_bag, value, values.get("reason", "")))
                last_status = value
        elif key in ("tf", "tf_static"):
            if cameras.from_tf:
                for tf in msg.transforms:
                    if tf.header.frame_id.lstrip("/") == base and tf.child_frame_id.lstrip("/") == camera_frame:
                        tracker.set_camera(_pose_from_tf(tracker.camera, tf.transform))
        elif key == "episode_event":
            text = str(msg.data)
            try:
                kind, n, ret = parse_event(text)
            except ValueError:
                skip(key, "episode events that do not parse ('start <n>' / 'end <n> <return>')", t_bag)
                continue
            if loop is not None:
                loop.on_episode_event(msg.data)
            if kind == "start":
                if current is not None:
                    result.skipped.append(f"episode {current['n']}: started at {current['start']:.3f} s, never "
                                          f"ended (episode {n} started at {t_bag:.3f} s)")
                camera = cameras.for_episode(n)
                if camera is not None:
                    tracker.set_camera(camera)
                current = new_episode(n, t_bag)
            elif current is None or current["n"] != n:
                result.skipped.append(f"episode {n}: ended at {t_bag:.3f} s but its start is not in the bag "
                                      "(the recording began during it)")
                current = None
            elif ret is None:  # the episode ended, but with no return to report: leave it out, say why
                result.skipped.append(f"episode {n}: its end event at {t_bag:.3f} s has no return ({text!r}); "
                                      "the episode is left out")
                current = None
            else:
                result.episodes.append(_finish(current, t_bag, ret, n_joints))
                if current["video"]:
                    result.video_frames.extend(current["video"])
                completed += 1
                current = None
        elif key == "joint_command":
            if current is None:
                continue
            current["steps"] += 1
            command = topics.read_joint_command(msg)  # a JointTrajectory, or a JointJog from an older bag
            vel = np.asarray(command.velocities, float)
            why = command.problem or (f"{len(vel)} velocities for {len(command.names)} joint names"
                                      if len(vel) != len(command.names) else
                                      "non-finite velocities" if not np.isfinite(vel).all() else None)
            if why:
                skip(key, f"joint commands that are not one velocity per joint name ({why})", t_bag)
                if loop is not None:
                    loop.tick(_stamp(msg, t_ns))  # the policy acted here: keep its state in step, compare nothing
                continue
            if loop is None:
                continue
            index = {name: i for i, name in enumerate(command.names)}
            rec = np.array([int(np.clip(np.rint(vel[index[j]] / v), -1, 1)) + 1 if j in index and v > 0 else -1
                            for j, v in zip(loop_names, velocities)])
            out = loop.tick(_stamp(msg, t_ns))
            rep = np.asarray(out.actions, int) if out.actions is not None else np.full(n_joints, -1)
            current["cmds"].append((rec, rep))
            cmd_t.append(t_bag)
            cmd_ep.append(current["n"])
            cmd_rec.append(rec)
            cmd_rep.append(rep)
    if current is not None:
        result.skipped.append(f"episode {current['n']}: started at {current['start']:.3f} s, no end event (the "
                              f"bag ends at {last_t:.3f} s)")
    for (key, why), (count, first) in malformed.items():
        result.skipped.append(f"{count} malformed {topics.name(key)} message{'s' if count != 1 else ''} skipped "
                              f"(first at t = {first:.3f} s): {why}")
    if source.info.truncated:
        result.skipped.append(f"the bag is truncated or corrupt: {source.info.truncated}; read "
                              f"{source.info.messages_read} messages"
                              + (f" of {source.info.message_count}" if source.info.message_count else ""))
    result.duration = (last_t - first_t) if first_t is not None else 0.0
    result.frames = {"t": np.asarray(frame_t), "recorded": np.asarray(frame_rec), "recomputed":
                     np.asarray(frame_new), "episode": np.asarray(frame_ep, int)}
    result.commands = {"t": np.asarray(cmd_t), "episode": np.asarray(cmd_ep, int),
                       "recorded": np.asarray(cmd_rec, int).reshape(-1, n_joints),
                       "replayed": np.asarray(cmd_rep, int).reshape(-1, n_joints)}


def _finish(c: dict, end: float, ret: float, n_joints: int) -> EpisodeResult:
    frames = c["frames"]
    rec = np.array([f[1] for f in frames]) if frames else np.zeros(0)
    new = np.array([f[2] for f in frames]) if frames else np.zeros(0)
    if len(frames) > 1:
        period = float(np.median(np.diff([f[0] for f in frames])))
    else:
        period = 0.0
    valid = ~np.isnan(new)
    ep = EpisodeResult(
        episode=c["n"], start=c["start"], end=end, recorded_return=float(ret), reward_sum=float(rec.sum()),
        recomputed_return=float(np.nansum(new)), frames=len(frames), steps=c["steps"],
        time_within=float((rec > 0).sum() * period), min_distance=min(c["dist"]) if c["dist"] else None,
        reward_agreement=float(np.mean(rec[valid] == new[valid])) if valid.any() else None,
        safety=dict(c["status"]), safety_events=list(c["events"]))
    if c["cmds"]:
        rec_a = np.array([r for r, _ in c["cmds"]])
        rep_a = np.array([p for _, p in c["cmds"]])
        same = rec_a == rep_a
        ep.action_agreement = same.mean(axis=0)
        ep.action_all = float(same.all(axis=1).mean())
        ep.commands_compared = len(c["cmds"])
    return ep


def _video_frame(rgb, out, camera, recorded: float, c: dict, t: float, height: int) -> np.ndarray:
    """The camera frame with the tracked target (circle; green while rewarded) and the rewards written on it."""
    import cv2

    h, w = rgb.shape[:2]
    width = int(round(w * height / h)) // 16 * 16 or 16
    view = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
    colour = (40, 220, 60) if recorded > 0 else (230, 50, 50)
    if out is not None and out.visible and out.pixel is not None:
        u, v = out.pixel[0] * width / camera.width, out.pixel[1] * height / camera.height
        cv2.circle(view, (int(round(u)), int(round(v))), max(5, height // 20), colour, 2)
    so_far = sum(f[1] for f in c["frames"])
    recomputed = "-" if out is None else f"{out.reward:g}"
    lines = [f"episode {c['n']}  t {t - c['start']:.2f} s", f"reward {recorded:g} (recomputed {recomputed})",
             f"return {so_far:g}"]
    band = np.zeros((16 * len(lines) + 6, width, 3), np.uint8)
    for i, text in enumerate(lines):
        cv2.putText(band, text, (4, 16 * (i + 1)), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
    frame = np.concatenate([view, band], axis=0)
    frame[-4:] = colour
    pad = -frame.shape[0] % 16
    if pad:
        frame = np.pad(frame, ((0, pad), (0, 0), (0, 0)))
    return frame
