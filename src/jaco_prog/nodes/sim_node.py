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

"""sim_node: jaco_prog.runtime.SimWorld over ROS - MuJoCo in place of camera_node + driver_node, with the
same topics, types, QoS and services (the same safety layer and driver loop on the sim backend), plus
/clock (use_sim_time for the rest of the graph), the ground-truth reward and the episode reset service.

A wall-clock timer runs one driver period (safety.yaml control_rate) per call, scaled by real_time_factor:
    SimWorld.tick() -> joint_states, driver_status, image + camera_info, reward_ground_truth, then clock
    SimWorld.advance()
Commands (joint_command) go to SimWorld.submit_command between periods. 'end n ...' on episode_event resets the
world for the next episode (new arm start, target, randomised scene; seed + n + 1), 'start n' begins it
(command delivery and the conveyor start as in training); /episode/reset resets on request.
"""
from __future__ import annotations

from rclpy.node import Node

from jaco_prog import config_check
from jaco_prog.config import config_class, setting
from jaco_prog.nodes import common
from jaco_prog.runtime import load_runtime_params, parse_event
from jaco_prog.runtime.sim_world import SimWorld
from jaco_prog.sim import TASKS

NAME = "sim_node"


@config_class("sim_nodes.yaml", NAME, "ros__parameters", frozen=True)
class SimFileParameters:
    """sim_node's parameters in config/sim_nodes.yaml (their one home; sim.launch.py passes the file)."""
    task: str = setting("the task the world runs", choices=TASKS)
    preset: str = setting("a perturbation preset of config/presets.yaml (empty: none)")
    seed: int = setting("episode n uses seed + n", low=0)
    real_time_factor: float = setting("sim seconds per wall second", above=0)


FILE = common.file_parameters(SimFileParameters)
PARAMETERS = {
    "robot_profile": "j2n6s300",
    "task": FILE["task"],
    "preset": FILE["preset"],
    "seed": FILE["seed"],
    "runtime_config": "",      # a runtime.yaml; "" -> the package's config/runtime.yaml
    "real_time_factor": FILE["real_time_factor"],
}


class SimNode(common.DriverServices, Node):
    def __init__(self, world: SimWorld | None = None, **node_kwargs):
        super().__init__(NAME, **node_kwargs)
        self.p = p = common.declare(self, PARAMETERS)
        if p["task"] not in TASKS:
            raise ValueError(f"{NAME}: task must be one of {TASKS} (got {p['task']!r})")
        # the files the world is built from must agree first (the task's rate is the policy's, ...)
        config_check.check_agreement(runtime_file=p["runtime_config"] or None)
        runtime = load_runtime_params(p["runtime_config"] or None)
        self.world = world or SimWorld.build(task=p["task"], preset=p["preset"] or None, profile=p["robot_profile"],
                                             seed=p["seed"], params=runtime)
        self.camera_frame = runtime.camera_frame
        self.pub = {k: common.publisher(self, k) for k in ("image", "camera_info", "joint_states", "driver_status",
                                                           "clock", "reward_ground_truth")}
        common.subscription(self, "joint_command", self.on_command)
        common.subscription(self, "episode_event", self.on_episode_event)
        self.create_driver_services()
        common.service(self, "reset_episode", self.on_reset_episode)
        self.timer = self.create_timer(self.world.period / p["real_time_factor"], self.on_period)

    def on_period(self) -> None:
        out = self.world.tick()
        t = out.stamp
        if out.positions is not None:
            self.pub["joint_states"].publish(common.joint_state(out.joint_names, out.positions, out.velocities, t))
        if out.driver_status is not None:
            statuses = [out.driver_status.to_diagnostic(f"{NAME}/safety")]
            violation = self.world.violation_diagnostic(f"{NAME}/violation")
            if violation is not None:
                statuses.append(violation)
            self.pub["driver_status"].publish(common.diagnostics(statuses, t, "sim"))
        if out.image is not None:
            self.pub["image"].publish(common.rgb_to_image(out.image, t, self.camera_frame))
            self.pub["camera_info"].publish(common.camera_info(out.camera_info, t, self.camera_frame))
        if out.reward_ground_truth is not None:
            self.pub["reward_ground_truth"].publish(common.scalar("reward_ground_truth", out.reward_ground_truth))
        # /clock last: the nodes on sim time see time t only after this period's frame and joint state went
        # out, so a 20 Hz policy tick at t acts on the frame stamped t (as the in-process runner does), not
        # on the one before it
        if out.clock:
            self.pub["clock"].publish(common.clock(t))
        self.world.advance()

    def on_command(self, msg) -> None:
        self.world.submit_command(common.topics.read_joint_command(msg))

    def on_episode_event(self, msg) -> None:
        try:
            kind, n, _ = parse_event(msg.data)
        except ValueError as err:  # any node may publish here: a bad message must not stop the simulation
            self.get_logger().warning(f"ignored: {err}")
            return
        if kind == "end":
            self.world.reset_episode(self.p["seed"] + n + 1)
        else:
            self.world.begin_episode()

    # DriverServices (estop, reset, enable): the world's driver; disabled, the world ignores commands
    def arm_driver(self):
        return self.world.driver

    def enable_commands(self, flag: bool) -> None:
        self.world.enable(flag)

    def on_reset_episode(self, request, response):
        self.world.reset_episode(None)
        return common.trigger_response(response, True, "new episode: arm start, target and scene redrawn")

    def close(self) -> None:
        self.world.close()


def main(args=None) -> None:
    common.spin(SimNode, args)  # a UserError ends in one line: jaco_prog.nodes.executables


if __name__ == "__main__":
    main()
