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

"""InProcessGraph: the ROS graph's components wired in one process on the sim clock (`jaco-prog run --sim`).

Every driver period (100 Hz):  SimWorld.tick()  -> joint state, driver status, clock; camera frame when due
  camera frame:                RewardTracker.on_image() -> target point / visible / marker / reward
  policy tick (20 Hz):         EpisodeManager.tick() -> events; PolicyLoop.tick() -> joint command -> safety -> sim
                               SimWorld.advance()
  driver status (10 Hz):       an ERROR status (e-stop, fault) ends the running episode, as in policy_node
With an online learner (jaco_prog.learning.online) the policy tick is OnlineSession.tick() -> PolicyLoop.tick()
-> OnlineSession.finish_tick(), the learner being the loop's actor, exactly as policy_node runs it.
Each message the real graph would carry is written to the bag at the moment it would be published, on the
topic, type and QoS of the contract (jaco_prog.topics), stamped with sim time.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import cv2
import numpy as np

from jaco_prog import topics
from jaco_prog.bags import messages as m
from jaco_prog.runtime.episodes import EpisodeManager, episode_ending_status, parse_event
from jaco_prog.config import ticks_per
from jaco_prog.runtime.params import RuntimeParams
from jaco_prog.runtime.policy_loop import PolicyLoop, policy_image
from jaco_prog.runtime.reward_tracker import RewardTracker, TrackerOutput
from jaco_prog.runtime.sim_world import SimWorld


@dataclass
class EpisodeRecord:
    episode: int
    seed: int
    episode_return: float  # the tracker's reward, as the episode manager credited it
    ground_truth_return: float  # the sim-state reward at the same ticks
    steps: int
    violation: str | None
    final_distance: float  # palm to target at the end (m, sim ground truth)
    start: float  # sim time of 'start n'
    end: float  # sim time of 'end n return'
    wall_time: float  # s from start to end
    inference_ms: list = field(default_factory=list, repr=False)
    stale_ticks: int = 0  # ticks without a command because an input was stale
    agreeing_steps: int = 0  # credited steps at which the tracker's reward equalled the ground truth

    @property
    def success(self) -> bool:
        return self.episode_return > 0

    @property
    def realtime_factor(self) -> float:
        return (self.end - self.start) / self.wall_time if self.wall_time > 0 else float("inf")


class InProcessGraph:
    def __init__(self, world: SimWorld, policy: PolicyLoop, tracker: RewardTracker, params: RuntimeParams,
                 seed: int = 0, bag=None, video_episodes: int = 0, video_size: int = 256, learner=None):
        self.world = world
        self.policy = policy
        self.tracker = tracker
        self.params = params
        self.seed = seed
        self.bag = bag
        self.video_episodes = video_episodes
        self.video_size = video_size
        self.frames: list[np.ndarray] = []
        self.records: list[EpisodeRecord] = []
        self.policy_every = ticks_per(world.layer.params.control_rate, params.policy.rate, "runtime.yaml: policy.rate")
        self.base_frame = world.profile.base_link
        self.camera_frame = params.camera_frame
        self.manager: EpisodeManager | None = None
        self.learner = learner  # an OnlineLearner, the policy loop's actor: the graph learns as it runs
        self.session = None  # its OnlineSession, made with the episode manager
        self.on_episode: Callable[[EpisodeRecord], None] | None = None
        self._latest: TrackerOutput | None = None
        self._latest_gt = 0.0
        self._current: dict | None = None
        self._ended_now: int | None = None
        # driver periods inside episodes, by the safety layer's status: how often it intervened (clamped,
        # limited, ...), which is not a safety violation (the simulator's, which ends an episode)
        self.layer_statuses: Counter = Counter()

    # --- wiring ------------------------------------------------------------------------------------------
    def _publish(self, key: str, t_ns: int, build: Callable[[], object]) -> None:
        if self.bag is not None:
            self.bag.write(key, t_ns, build())

    def _reset_world(self, n: int) -> None:
        self.world.reset_episode(self.seed + n)
        self.tracker.set_camera(self.world.camera_model())  # the episode's (randomised) calibration

    def _event(self, text: str, now: float) -> None:
        t_ns = self.world.now_ns
        self._publish("episode_event", t_ns, lambda: m.string(text))
        self.policy.on_episode_event(text)
        kind, n, ret = parse_event(text)
        if kind == "start":
            self.world.begin_episode()
            self._current = {"episode": n, "start": now, "wall": time.perf_counter(), "gt": 0.0, "inference": [],
                             "stale": 0, "agree": 0}
            return
        c = self._current
        self._ended_now = n
        record = EpisodeRecord(
            episode=n, seed=self.seed + n, episode_return=float(ret), ground_truth_return=c["gt"],
            steps=self.manager.step, violation=self.world.violation,
            final_distance=float(np.linalg.norm(self.world.palm_position() - self.world.target_position())),
            start=c["start"], end=now, wall_time=time.perf_counter() - c["wall"], inference_ms=c["inference"],
            stale_ticks=c["stale"], agreeing_steps=c["agree"])
        self.records.append(record)
        if self.on_episode:
            self.on_episode(record)

    # --- running -----------------------------------------------------------------------------------------
    def run(self, episodes: int | None, realtime: bool = False, max_ticks: int | None = None,
            until: Callable[[], bool] | None = None) -> list[EpisodeRecord]:
        """Run until `episodes` episodes have ended (None: no limit) or `until()` holds, checked between driver
        periods (an online learner's `done`). realtime: pace the sim clock to the wall clock (as the ROS graph
        runs), so that the policy loop's wall-clock period and jitter mean something. max_ticks: at most this
        many driver periods (default: twice what `episodes` need; required when `episodes` is None)."""
        self.start(episodes)
        per_episode = (self.params.episodes.steps + self.params.episodes.settle_ticks + 3) * self.policy_every
        if max_ticks is None:
            if episodes is None:
                raise ValueError("run(episodes=None) needs max_ticks")
            max_ticks = 2 * episodes * per_episode + 100
        wall0 = time.perf_counter()
        t0 = self.world.now
        for _ in range(max_ticks):
            if self.manager.done or (until is not None and until()):
                break
            if realtime:
                delay = wall0 + (self.world.now - t0) - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            self.step()
        else:
            if episodes is not None or until is None:
                raise RuntimeError(f"{episodes} episodes did not finish within {max_ticks} driver periods")
        return self.records

    def start(self, episodes: int | None = None) -> None:
        """A fresh episode manager (and learning session) for `episodes` episodes (None: no limit); run() calls
        it, a caller driving step() itself calls it first."""
        self.manager = EpisodeManager(self.params.episodes, emit=self._event, reset_world=self._reset_world,
                                      max_episodes=episodes)
        if self.learner is not None:
            from jaco_prog.learning.online import OnlineSession
            self.session = OnlineSession(self.learner, self.manager, self.policy, self.params.learner,
                                         log=self.log)

    def log(self, level: str, text: str) -> None:
        """Messages of the online learner's session (the node logs them with its logger)."""
        print(f"[{level}] {text}", flush=True)

    def step(self) -> None:
        """One driver period of the whole graph."""
        world = self.world
        out = world.tick()
        t_ns, now = out.stamp_ns, out.stamp
        if self.manager is not None and self.manager.running:
            self.layer_statuses[world.driver.last_tick.status.status.value] += 1
        if out.clock:
            self._publish("clock", t_ns, lambda: m.clock(t_ns))
        if out.positions is not None:
            self._publish("joint_states", t_ns, lambda: m.joint_state(t_ns, out.joint_names, out.positions,
                                                                      out.velocities))
            self.policy.on_joint_state(out.joint_names, out.positions, out.velocities, now)
            self.tracker.on_joint_state(out.joint_names, out.positions, now)
        if out.driver_status is not None:
            status = out.driver_status.to_diagnostic()
            self._publish("driver_status", t_ns, lambda: m.diagnostic_array(t_ns, [status], "sim"))
            if self.session is not None:
                self.session.on_driver_status([status])
            reason = episode_ending_status(status)  # policy_node's rule: an e-stop or a fault ends the episode
            if reason and self.manager is not None and self.manager.running:
                self.manager.abort(now, reason)
        if out.image is not None:
            self._on_frame(out, t_ns, now)
        k = world.ticks
        if k % self.policy_every == 0:
            self._policy_tick(now, t_ns)
        world.advance()

    def _on_frame(self, out, t_ns: int, now: float) -> None:
        frame = self.camera_frame
        if self.bag is not None:  # raw, or PNG/JPEG on <image topic>/compressed, as the bag was opened
            self.bag.write_image(t_ns, frame, out.image)
        self._publish("camera_info", t_ns, lambda: m.camera_info(t_ns, frame, out.camera_info))
        tr = self.tracker.on_image(out.image, now)
        self._latest = tr
        base = self.base_frame
        self._publish("target_visible", t_ns, lambda: m.boolean(tr.visible))
        if tr.visible:
            self._publish("target_point", t_ns, lambda: m.point_stamped(t_ns, base, tr.point))
        self._publish("target_marker", t_ns,
                      lambda: m.marker(t_ns, base, tr.marker(self.params.tracker.marker_scale)))
        self._publish("reward", t_ns, lambda: m.float32(tr.reward))
        if self.session is not None:
            self.session.on_reward(tr.reward, now)
        if out.reward_ground_truth is not None:
            self._latest_gt = out.reward_ground_truth
            self._publish("reward_ground_truth", t_ns, lambda: m.float32(out.reward_ground_truth))
        self.policy.on_image(out.image, now)

    def _policy_tick(self, now: float, t_ns: int) -> None:
        manager = self.manager
        self._ended_now = None
        if self.world.violation and manager.running and self.params.sim.end_on_violation:
            manager.abort(now, f"violation: {self.world.violation}")
        else:
            reward = self._latest.reward if self._latest is not None else 0.0
            if manager.running and manager.step > 0 and self._current is not None:
                self._current["gt"] += self._latest_gt  # credited at the same tick as the tracker's reward
                self._current["agree"] += reward == self._latest_gt
            if self.session is None:
                manager.tick(now, reward)
            else:
                self.session.tick(now)  # the tracker's latest reward, as it reached the session
        po = self.policy.tick(now)
        if po.command is not None:
            valid_for = self.params.policy.command_duration
            self.world.submit(po.command, po.joint_names, valid_for)
            self._publish("joint_command", t_ns, lambda: m.joint_command(t_ns, self.base_frame, po.joint_names,
                                                                         po.command, valid_for))
        elif manager.running and self._current is not None:
            self._current["stale"] += 1
        if po.inference is not None and self._current is not None:
            self._current["inference"].append(po.inference * 1000)
        statuses = [po.to_diagnostic()] + ([self.session.diagnostic()] if self.session is not None else [])
        self._publish("policy_status", t_ns, lambda: m.diagnostic_array(t_ns, statuses, "policy"))
        if self.session is not None:
            self.session.finish_tick(now)
        episode = self._ended_now
        if episode is None and manager.running and self._current is not None:
            episode = self._current["episode"]
        if episode is not None and episode < self.video_episodes and self.policy._image is not None:
            self.frames.append(self._video_frame())

    def _video_frame(self) -> np.ndarray:
        """Camera frame (tracked target circled) | the 64x64 policy input, green bar while rewarded."""
        size = self.video_size
        image = self.policy._image
        h, w = image.shape[:2]
        width = int(round(w * size / h)) // 2 * 2
        view = cv2.resize(image, (width, size), interpolation=cv2.INTER_AREA)
        tr = self._latest
        if tr is not None and tr.visible and tr.pixel is not None:
            cam = self.tracker.camera
            u, v = tr.pixel[0] * width / cam.width, tr.pixel[1] * size / cam.height
            cv2.circle(view, (int(round(u)), int(round(v))), max(4, size // 24), (255, 255, 0), 2)
        small = policy_image(image, self.policy.image_size, self.params.policy.crop)
        policy_view = cv2.resize(small, (size, size), interpolation=cv2.INTER_NEAREST)
        frame = np.concatenate([view, policy_view], axis=1)
        pad = -frame.shape[1] % 16  # whole macroblocks: the MP4 encoder would rescale otherwise
        if pad:
            frame = np.pad(frame, ((0, 0), (0, pad), (0, 0)))
        frame[-8:] = (40, 200, 60) if tr is not None and tr.reward > 0 else (60, 60, 60)
        return frame


def build_graph(world: SimWorld, actor_or_loop, params: RuntimeParams, seed: int = 0, bag=None,
                video_episodes: int = 0, video_size: int = 256, learner=None) -> InProcessGraph:
    """The graph around `world`: a PolicyLoop (given, or built around an actor with reset()/act()). learner:
    an OnlineLearner that is (or is the actor of) that loop: the graph learns as it runs."""
    profile = world.profile
    if isinstance(actor_or_loop, PolicyLoop):
        loop = actor_or_loop
    else:
        loop = PolicyLoop(actor_or_loop, profile.joint_names, profile.action_velocities, params.policy)
    tracker = RewardTracker.for_profile(profile, world.camera_model(), params=params.tracker)
    return InProcessGraph(world, loop, tracker, params, seed, bag, video_episodes, video_size, learner)


CONTRACT_KEYS = tuple(topics.TOPICS)
