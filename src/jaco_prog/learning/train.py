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

"""Set up a training run (net per mode, optimiser, counters, logging, checkpoints, signals) and run A2C or A3C.

    run_dir = train(TrainConfig(task="toy", algo="a2c", total_steps=20_000))        # a new run
    train(load_run_config(run_dir, total_steps=40_000), resume=True)               # continue it

A run directory holds checkpoint.pt (the latest, replaced atomically), config.yaml (for people; the
checkpoint's copy is the one that counts), episodes.csv and tensorboard/.
"""
from __future__ import annotations

import signal
from dataclasses import replace
from pathlib import Path

import torch

from jaco_prog.learning.config import VALUES_BEFORE_FIELD_EXISTED, TrainConfig
from jaco_prog.learning.envs import env_profile, make_training_env
from jaco_prog.learning.logger import RunLogger
from jaco_prog.learning.optimizer import make_optimizer, parameter_groups
from jaco_prog.learning.rollout import Episode
from jaco_prog.nets.checkpoint import CHECKPOINT_NAME, CheckpointError, net_from_checkpoint, read_checkpoint
from jaco_prog.nets.progressive import ProgressiveNet, grow
from jaco_prog.nets.spec import ColumnSpec, NetSpec, spec_for_env
from jaco_prog.run_dir import RunDirectory


def default_run_dir(cfg: TrainConfig) -> Path:
    preset = f"-{cfg.preset}" if cfg.preset else ""
    return Path("runs") / f"{cfg.task}{preset}-{cfg.mode}-{cfg.column}-{cfg.arch}-s{cfg.seed}"


def load_run_config(run_dir: str | Path, total_steps: int | None = None) -> TrainConfig:
    """The configuration a run was started with (from its checkpoint), optionally with a new step budget."""
    data = read_checkpoint(Path(run_dir) / CHECKPOINT_NAME)
    config = {**VALUES_BEFORE_FIELD_EXISTED, **(data.get("config") or {})}
    cfg = TrainConfig.from_dict(config, f"{run_dir}/{CHECKPOINT_NAME}: config")
    cfg.run_dir = str(run_dir)
    if total_steps is not None:
        cfg.total_steps = total_steps
    cfg.validate()
    return cfg


def new_column(cfg: TrainConfig) -> ColumnSpec:
    return ColumnSpec.from_sizes(cfg.column_sizes, cfg.column, inputs=cfg.inputs, core=cfg.arch,
                                 asymmetric_critic=cfg.asymmetric_critic, aux_target=cfg.aux_target)


def check_env_matches(spec: NetSpec, env, where: str) -> None:
    """A net trained for one robot/camera cannot drive another: say what differs."""
    profile = env_profile(env)
    if list(spec.profile["joint_names"]) != list(profile["joint_names"]):
        raise CheckpointError(f"{where} was trained for robot profile {spec.profile.get('name')!r} "
                              f"({spec.n_joints} joints); this env uses {profile['name']!r} "
                              f"({len(profile['joint_names'])} joints)")
    spaces = env.observation_space.spaces
    if "pixels" in spec.observation_keys and tuple(spaces["pixels"].shape) != tuple(spec.pixels_shape):
        raise CheckpointError(f"{where} expects pixels {tuple(spec.pixels_shape)}; the env gives "
                              f"{tuple(spaces['pixels'].shape)}")
    if "proprio" in spec.observation_keys and tuple(spaces["proprio"].shape) != (spec.proprio_dim,):
        raise CheckpointError(f"{where} expects proprio of size {spec.proprio_dim}; the env gives "
                              f"{tuple(spaces['proprio'].shape)}")


def build_net(cfg: TrainConfig, probe_env) -> ProgressiveNet:
    """The net a new run starts from: a fresh column (scratch), a checkpoint's net plus a new column
    (progressive) or a checkpoint's net as it is, last column trainable (finetune)."""
    if cfg.mode == "scratch":
        return ProgressiveNet(spec_for_env(probe_env.observation_space, env_profile(probe_env), new_column(cfg)))
    data = read_checkpoint(cfg.from_checkpoint)
    net, spec = net_from_checkpoint(data, str(cfg.from_checkpoint))
    check_env_matches(spec, probe_env, str(cfg.from_checkpoint))
    if cfg.mode == "finetune":
        return without_privileged_heads(net, cfg)
    column = new_column(cfg)
    if column.uses_proprio and spec.proprio_dim < 1:
        raise CheckpointError(f"{cfg.from_checkpoint}: its spec has no proprio input size")
    return grow(net, column)


def without_privileged_heads(net: ProgressiveNet, cfg: TrainConfig) -> ProgressiveNet:
    """The net to finetune, keeping its privileged-state critic and target head only when cfg asks for them.

    A column trained in simulation may carry an asymmetric critic and an auxiliary target head, both fed by
    simulator state. Finetuning in a target domain (the real robot, or a preset standing in for it) has no
    such state, so by default the finetuned column drops them and its value comes from its own output layer,
    as a progressive column's does: the comparison of the two stays fair."""
    column = net.trainable_column.spec
    keep_critic = column.asymmetric_critic and cfg.asymmetric_critic
    keep_aux = column.aux_target and cfg.aux_target
    if keep_critic == column.asymmetric_critic and keep_aux == column.aux_target:
        return net
    spec = replace(net.spec, columns=tuple(net.spec.columns[:-1]) + (
        replace(column, asymmetric_critic=keep_critic, aux_target=keep_aux),))
    stripped = ProgressiveNet(spec)
    last = f"columns.{len(net.columns) - 1}."
    dropped = tuple(last + head for head in (("critic.",) if not keep_critic else ()) + (
        ("aux_head.",) if not keep_aux else ()))
    stripped.load_state_dict({k: v for k, v in net.state_dict().items() if not k.startswith(dropped)})
    return stripped


class Run:
    """The state a training loop updates: counters, logging, checkpointing, the stop request."""

    def __init__(self, cfg: TrainConfig, folder: RunDirectory, net: ProgressiveNet, optimizer: torch.optim.Optimizer,
                 counters: dict):
        self.cfg, self.folder, self.net, self.optimizer = cfg, folder, net, optimizer
        self.run_dir = folder.path
        self.global_step = int(counters.get("global_step", 0))
        self.updates = int(counters.get("updates", 0))
        self.episodes = int(counters.get("episodes", 0))
        self.started_at_step = self.global_step
        self.stop_requested = False
        self.logger: RunLogger | None = None
        every = cfg.checkpoint_every
        self._next_checkpoint = (self.global_step // every + 1) * every

    @property
    def done(self) -> bool:
        return self.stop_requested or self.global_step >= self.cfg.total_steps

    def record(self, global_step: int, stats: dict, episodes: list[Episode]) -> None:
        """One update's results: count, log, checkpoint when the interval is crossed."""
        self.global_step = max(self.global_step, global_step)  # A3C results can arrive slightly out of order
        self.updates += 1
        for episode in episodes:
            self.episodes += 1
            self.logger.episode(global_step, self.episodes, episode)
        if self.updates % self.cfg.log_every == 0:
            self.logger.scalars(global_step, stats)
        self.logger.progress(global_step)
        if global_step >= self._next_checkpoint:
            self.save()
            every = self.cfg.checkpoint_every
            self._next_checkpoint = (global_step // every + 1) * every

    def save(self) -> Path:
        if self.logger is not None:  # the episode log first: it must hold every episode the checkpoint counts
            self.logger.flush_episodes()
        return self.folder.save({
            "spec": self.net.spec.to_dict(),
            "model": self.net.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "counters": {"global_step": self.global_step, "updates": self.updates, "episodes": self.episodes},
            "config": self.cfg.to_dict(),
            "torch_rng": torch.get_rng_state(),
        })


def net_and_optimizer(cfg: TrainConfig, folder: RunDirectory,
                      probe_env) -> tuple[ProgressiveNet, torch.optim.Optimizer]:
    """The run's net and optimiser: restored from the resumed checkpoint (its net checked against the env, the
    torch random state restored), or built for cfg's mode from cfg.seed."""
    if folder.resumed is None:
        torch.manual_seed(cfg.seed)
        net = build_net(cfg, probe_env)  # reads from_checkpoint: another robot's or image size's net is refused
        return net, make_optimizer(parameter_groups(net, cfg), cfg)
    data = folder.resumed
    net, spec = net_from_checkpoint(data, str(folder.checkpoint))
    check_env_matches(spec, probe_env, str(folder.checkpoint))
    optimizer = make_optimizer(parameter_groups(net, cfg), cfg)  # its groups' lr_scale come back with the state
    try:
        optimizer.load_state_dict(data["optimizer"])
    except (KeyError, ValueError) as err:
        raise CheckpointError(f"{folder.checkpoint}: optimiser state does not match the net ({err})") from err
    if "torch_rng" in data:
        torch.set_rng_state(data["torch_rng"])
    return net, optimizer


def prepare_run(cfg: TrainConfig, resume: bool) -> Run:
    cfg.validate()
    run_dir = Path(cfg.run_dir) if cfg.run_dir else default_run_dir(cfg)
    cfg.run_dir = str(run_dir)
    folder = RunDirectory.open(run_dir, resume, hint="pass --resume to continue it or choose another --run-dir")
    probe_env = make_training_env(cfg.task, cfg.preset, cfg.seed)
    try:
        net, optimizer = net_and_optimizer(cfg, folder, probe_env)
    finally:
        probe_env.close()
    folder.begin(cfg.to_dict())
    return Run(cfg, folder, net, optimizer, folder.counters())


def train(cfg: TrainConfig, resume: bool = False) -> Path:
    """Run training to cfg.total_steps, or until SIGINT/SIGTERM; a checkpoint is written either way."""
    run = prepare_run(cfg, resume)
    run.logger = RunLogger(run.run_dir, cfg.total_steps, run.global_step, cfg.progress)

    def request_stop(signum, _frame):
        run.stop_requested = True

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if cfg.algo == "a2c":
            from jaco_prog.learning.a2c import train_a2c
            train_a2c(run)
        else:
            from jaco_prog.learning.a3c import train_a3c
            train_a3c(run)
        run.save()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        run.logger.close()
    return run.run_dir
