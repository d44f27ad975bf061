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

"""policy_node: jaco_prog.runtime.PolicyLoop + EpisodeManager over ROS.

A timer at runtime.yaml policy.rate (20 Hz, graph clock: sim time under use_sim_time):
    EpisodeManager.tick(now, latest reward)   -> episode_event 'start n' / 'end n return' (LSTM reset on start)
    PolicyLoop.tick(now)                      -> joint_command (trajectory_msgs/JointTrajectory, one point
                                                 valid for policy.command_duration), or none when the
                                                 inputs are stale / no episode runs (policy_status says why)
    policy_status: loop period, inference time, reason (diagnostic_msgs/DiagnosticArray)

The net is rebuilt from `checkpoint` (a file or run directory); "" means the shipped column 1
(runtime.yaml policy.default_checkpoint, installed under share/jaco_prog/models) and "random" acts randomly
(commands flow, no skill). mode `sim`: sim_node resets the world when it receives 'end n ...'. mode `real`: before
episodes 0, 3, 6, ... the operator is asked (log) to move the target; the episode starts `operator_wait`
seconds later (paper section 4.2).
"""
from __future__ import annotations

from types import SimpleNamespace

from rclpy.node import Node

from jaco_prog.nodes import common
from jaco_prog.robot.profile import load_profile
from jaco_prog.runtime import EpisodeManager, PolicyLoop, load_runtime_params
from jaco_prog.runtime.episodes import episode_ending_status

NAME = "policy_node"
MODES = ("sim", "real")
PARAMETERS = {
    "checkpoint": "",          # checkpoint file or run directory; "" -> the shipped column 1; "random" -> no skill
    "robot_profile": "j2n6s300",
    "mode": "sim",             # sim | real (real: operator prompts every move_target_every episodes)
    "runtime_config": "",      # a runtime.yaml; "" -> the package's config/runtime.yaml
    "seed": 0,
    "max_episodes": 0,         # stop after this many episodes (0: run until shut down)
    "operator_wait": 10.0,     # s the operator gets to move the target (mode real)
}


def _random_actor(profile, seed: int):
    from gymnasium.spaces import MultiDiscrete

    from jaco_prog.sim.scripted_policy import RandomPolicy
    return RandomPolicy(SimpleNamespace(action_space=MultiDiscrete([3] * profile.n_joints)), seed=seed)


class PolicyNode(Node):
    def __init__(self, **node_kwargs):
        super().__init__(NAME, **node_kwargs)
        self.p = p = common.declare(self, PARAMETERS)
        if p["mode"] not in MODES:
            raise ValueError(f"{NAME}: mode must be one of {MODES} (got {p['mode']!r})")
        runtime = load_runtime_params(p["runtime_config"] or None)
        self.profile = load_profile(p["robot_profile"])
        if p["checkpoint"] != "random":
            import torch
            torch.set_num_threads(1)  # one small net at batch 1, as `jaco-prog run`: more threads only contend
            checkpoint = p["checkpoint"] or str(runtime.policy.default_checkpoint_path())
            self.get_logger().info(f"policy: {checkpoint}")
            self.loop = PolicyLoop.from_checkpoint(checkpoint, self.profile, runtime.policy, seed=p["seed"])
        else:
            self.get_logger().warning("checkpoint 'random': acting randomly (no skill)")
            self.loop = PolicyLoop(_random_actor(self.profile, p["seed"]), self.profile.joint_names,
                                   self.profile.action_velocities, runtime.policy)
        self.manager = EpisodeManager(runtime.episodes, emit=self.on_event,
                                      ask_operator=self.ask_operator if p["mode"] == "real" else None,
                                      max_episodes=p["max_episodes"] or None)
        self.command_duration = runtime.policy.command_duration
        self.latest_reward = 0.0
        self.command_pub = common.publisher(self, "joint_command")
        self.status_pub = common.publisher(self, "policy_status")
        self.event_pub = common.publisher(self, "episode_event")
        common.subscription(self, "image", self.on_image)
        common.subscription(self, "joint_states", self.on_joint_state)
        common.subscription(self, "reward", self.on_reward)
        common.subscription(self, "driver_status", self.on_driver_status)
        self.timer = self.create_timer(runtime.policy.period, self.on_tick)
        self._operator_timer = None

    # --- inputs -------------------------------------------------------------------------------------------
    def on_image(self, msg) -> None:
        self.loop.on_image(common.image_to_rgb(msg), common.seconds(msg.header.stamp))

    def on_joint_state(self, msg) -> None:
        velocities = list(msg.velocity) if len(msg.velocity) == len(msg.name) else None
        self.loop.on_joint_state(list(msg.name), list(msg.position), velocities, common.seconds(msg.header.stamp))

    def on_reward(self, msg) -> None:
        self.latest_reward = float(msg.data)

    def on_driver_status(self, msg) -> None:
        for status in common.diagnostic_dicts(msg):
            reason = episode_ending_status(status)
            if reason:
                self.manager.abort(common.now_seconds(self), reason)

    # --- episodes -----------------------------------------------------------------------------------------
    def on_event(self, text: str, now: float) -> None:
        self.event_pub.publish(common.scalar("episode_event", text))
        self.loop.on_episode_event(text)
        self.get_logger().info(f"episode {text}")

    def ask_operator(self, episode: int) -> bool:
        wait = self.p["operator_wait"]
        self.get_logger().warning(f"operator: move the target to a new place now; episode {episode} starts in "
                                  f"{wait:g} s")
        self._operator_timer = self.create_timer(wait, self._operator_done)
        return False

    def _operator_done(self) -> None:
        self.destroy_timer(self._operator_timer)
        self._operator_timer = None
        self.manager.target_moved()

    # --- the tick -----------------------------------------------------------------------------------------
    def on_tick(self) -> None:
        now = common.now_seconds(self)
        self.manager.tick(now, self.latest_reward)
        out = self.loop.tick(now)
        if out.command is not None:
            self.command_pub.publish(common.joint_command(out.joint_names, out.command, now, self.command_duration,
                                                          self.profile.base_link))
        self.status_pub.publish(common.diagnostics([out.to_diagnostic(f"{NAME}/loop")], now, "policy"))


def main(args=None) -> None:
    common.spin(PolicyNode, args)


if __name__ == "__main__":
    main()
