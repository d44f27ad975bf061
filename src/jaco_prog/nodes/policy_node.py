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

learn:=true (jaco_prog.learning.online, docs/online_learning.md): the newest column of a progressive net grown
on `checkpoint` (or `checkpoint` finetuned, learn_mode) learns as the graph runs, into `run_dir` (resumed when
it holds the run): the learner is the loop's actor, OnlineSession credits the reward and ends episodes for it,
updates run in a thread beside this timer (runtime.yaml learner.background). Its status is a second entry of
policy_status; the final checkpoint is written when the node shuts down.
"""
from __future__ import annotations

from types import SimpleNamespace

from rclpy.node import Node

from jaco_prog import config_check
from jaco_prog.config import config_class, setting
from jaco_prog.errors import UserError
from jaco_prog.nodes import common
from jaco_prog.robot.profile import load_profile
from jaco_prog.runtime import EpisodeManager, PolicyLoop, load_runtime_params
from jaco_prog.runtime.episodes import episode_ending_status

NAME = "policy_node"
MODES = ("sim", "real")  # the launch files set it


@config_class("sim_nodes.yaml", NAME, "ros__parameters", frozen=True)
class SimFileParameters:
    """policy_node's parameters in config/sim_nodes.yaml (their one home)."""
    seed: int = setting("seed of a random actor, a sampling net and a learner", low=0)


@config_class("real_nodes.yaml", NAME, "ros__parameters", frozen=True)
class RealFileParameters:
    """policy_node's parameters in config/real_nodes.yaml (their one home)."""
    operator_wait: float = setting("the operator's time to move the target (mode real)", unit="s", above=0)


SIM_FILE, REAL_FILE = common.file_parameters(SimFileParameters), common.file_parameters(RealFileParameters)
PARAMETERS = {
    "checkpoint": "",          # checkpoint file or run directory; "" -> the shipped column 1; "random" -> no skill
    "robot_profile": "j2n6s300",
    "mode": "sim",             # sim | real (real: operator prompts every move_target_every episodes)
    "runtime_config": "",      # a runtime.yaml; "" -> the package's config/runtime.yaml
    "seed": SIM_FILE["seed"],
    "max_episodes": 0,         # stop after this many episodes (0: run until shut down)
    "operator_wait": REAL_FILE["operator_wait"],
    "learn": False,            # learn online (the newest column) from the reward; needs run_dir
    "run_dir": "",             # learn: the run directory, new or to resume
    "learn_mode": "",          # learn: progressive | finetune | scratch ("" -> runtime.yaml learner.train.mode)
    "learn_steps": 0,          # learn: total steps (0 -> runtime.yaml learner.train.total_steps)
    "train_config": "",        # learn: a YAML of TrainConfig fields over the learner's ("" -> none)
    "sim_preset": "",          # learn: the sim preset the graph runs on, recorded with the run ("" -> none)
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
        # the loop acts at the task's rate within the driver's watchdog: the files must agree first
        config_check.check_agreement(runtime_file=p["runtime_config"] or None)
        runtime = load_runtime_params(p["runtime_config"] or None)
        self.profile = load_profile(p["robot_profile"])
        self.learner = self.session = None
        if p["learn"]:
            self.loop = self._learning_loop(runtime)
        elif p["checkpoint"] != "random":
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
        if self.learner is not None:
            from jaco_prog.learning.online import OnlineSession
            self.session = OnlineSession(self.learner, self.manager, self.loop, runtime.learner, log=self._log)
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

    def _learning_loop(self, runtime) -> PolicyLoop:
        from jaco_prog.learning.online import OnlineLearner, online_config, open_online_run

        p = self.p
        if p["checkpoint"] == "random":
            raise UserError(f"{NAME}: learn:=true grows a column on a trained net: give checkpoint:=CKPT (or '' for "
                            "the shipped column 1), not 'random'")
        if not p["run_dir"]:
            raise UserError(f"{NAME}: learn:=true needs run_dir:=DIR (a new directory, or the run to resume)")
        import torch

        overrides = {"mode": p["learn_mode"] or None, "from_checkpoint": p["checkpoint"] or None,
                     "total_steps": p["learn_steps"] or None, "run_dir": p["run_dir"], "seed": p["seed"],
                     "preset": p["sim_preset"] or None}
        cfg = online_config(runtime.learner.train, [p["train_config"]] if p["train_config"] else [], overrides,
                            default_from=str(runtime.policy.default_checkpoint_path()))
        torch.set_num_threads(cfg.threads)  # small nets at batch 1; the update thread is the second core's
        run, resumed = open_online_run(cfg, self.profile, runtime.policy.image_size)
        self.learner = OnlineLearner(run, background=runtime.learner.background)
        self.get_logger().info(f"learning: {'resumed' if resumed else 'started'} {run.run_dir} at step "
                               f"{run.global_step} of {cfg.total_steps} ({cfg.mode} from {cfg.from_checkpoint})")
        return PolicyLoop(self.learner, self.profile.joint_names, self.profile.action_velocities, runtime.policy)

    def _log(self, level: str, text: str) -> None:
        # one call site per severity: rclpy refuses two severities from the same line
        logger, text = self.get_logger(), f"learning: {text}"
        if level == "error":
            logger.error(text)
        elif level == "warn":
            logger.warning(text)
        else:
            logger.info(text)

    # --- inputs -------------------------------------------------------------------------------------------
    def on_image(self, msg) -> None:
        self.loop.on_image(common.image_to_rgb(msg), common.seconds(msg.header.stamp))

    def on_joint_state(self, msg) -> None:
        velocities = list(msg.velocity) if len(msg.velocity) == len(msg.name) else None
        self.loop.on_joint_state(list(msg.name), list(msg.position), velocities, common.seconds(msg.header.stamp))

    def on_reward(self, msg) -> None:
        self.latest_reward = float(msg.data)
        if self.session is not None:
            self.session.on_reward(self.latest_reward, common.now_seconds(self))

    def on_driver_status(self, msg) -> None:
        statuses = common.diagnostic_dicts(msg)
        if self.session is not None:
            self.session.on_driver_status(statuses)
        for status in statuses:
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
        if self.session is not None:
            self.session.operator_event(episode, f"prompted: move the target (episode starts in {wait:g} s)")
        self._operator_timer = self.create_timer(wait, self._operator_done)
        return False

    def _operator_done(self) -> None:
        self.destroy_timer(self._operator_timer)
        self._operator_timer = None
        if self.session is not None:
            self.session.operator_event(self.manager.episode, "operator wait over: the episode starts")
        self.manager.target_moved()

    # --- the tick -----------------------------------------------------------------------------------------
    def on_tick(self) -> None:
        now = common.now_seconds(self)
        if self.session is None:
            self.manager.tick(now, self.latest_reward)
        else:
            self.session.tick(now)  # credits the reward to the learner, or holds the episodes while paused
        out = self.loop.tick(now)
        if out.command is not None:
            self.command_pub.publish(common.joint_command(out.joint_names, out.command, now, self.command_duration,
                                                          self.profile.base_link))
        statuses = [out.to_diagnostic(f"{NAME}/loop")]
        if self.session is not None:
            statuses.append(self.session.diagnostic(f"{NAME}/learner"))
        self.status_pub.publish(common.diagnostics(statuses, now, "policy"))
        if self.session is not None:
            self.session.finish_tick(now)  # after the command: an episode's end reaches the learner

    def close(self) -> None:
        """Shutdown (Ctrl-C, SIGTERM from ros2 launch): the queued updates, then the final checkpoint."""
        if self.learner is not None:
            path = self.learner.close()
            if path is not None:  # printed: the ROS context may be shut down already
                print(f"[{NAME}] learning: checkpoint at step {self.learner.global_step}: {path}", flush=True)


def main(args=None) -> None:
    common.spin(PolicyNode, args)  # a UserError ends in one line: jaco_prog.nodes.executables


if __name__ == "__main__":
    main()
