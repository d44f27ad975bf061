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

"""The settings of `jaco-prog train` (TrainConfig, config/train.yaml) and `jaco-prog imitate` (ImitationConfig,
config/imitate.yaml): help, units, ranges and flags on the fields, values only in the YAML.

Torch-free (and MuJoCo-free), so that the command line builds its flags from these classes without importing
either; jaco_prog.learning.config and jaco_prog.learning.imitation are where the rest of the code takes them
from.
"""
from __future__ import annotations

from dataclasses import asdict, field
from typing import Any

from jaco_prog.config import ConfigError, check_fields, config_class, setting
from jaco_prog.nets.spec import COLUMN_INPUTS, CORES

MODES = ("scratch", "progressive", "finetune")
ALGOS = ("a2c", "a3c")
TASKS = ("reach", "conveyor", "toy")
OPTIMIZERS = ("rmsprop", "adam")
LR_SCHEDULES = ("constant", "linear")
# What a configuration saved before a field existed meant by its absence (a checkpoint resumes as it ran).
VALUES_BEFORE_FIELD_EXISTED = {"rmsprop_bias_correction": False}


def column_sizes(value: Any, where: str) -> dict:
    """{size name: {layer size name: positive integer}}; jaco_prog.nets.spec.ColumnSpec names the layers."""
    if not isinstance(value, dict) or not value:
        raise ConfigError(where, f"must be a non-empty mapping of column sizes (got {value!r})")
    out = {}
    for name, sizes in value.items():
        here = f"{where}.{name}"
        if not isinstance(sizes, dict) or not sizes:
            raise ConfigError(here, f"must be a mapping of layer sizes (got {sizes!r})")
        for key, size in sizes.items():
            if isinstance(size, bool) or not isinstance(size, int) or size < 1:
                raise ConfigError(f"{here}.{key}", f"must be a positive integer (got {size!r})")
        out[str(name)] = dict(sizes)
    return out


@config_class("train.yaml")
class TrainConfig:
    """Training hyper-parameters (CleanRL style). Precedence, lowest first: config/train.yaml, a --config FILE,
    command line flags. A resumed run takes its configuration from its checkpoint; only `total_steps` may
    change (to train longer)."""
    # what to train
    mode: str = setting("what to train", choices=MODES, flag=True)
    from_checkpoint: str | None = setting("checkpoint file or run directory to start from (progressive, "
                                          "finetune)", nonempty=True, flag="--from", unset="none")
    column: str = setting("size of the new column: a key of column_sizes", flag=True)
    arch: str = setting("core of the new column", choices=CORES, flag=True)
    inputs: str = setting("inputs of the new column", choices=COLUMN_INPUTS, flag=True)
    asymmetric_critic: bool = setting("value from privileged sim state (Zhu et al.); simulation only", flag=True)
    aux_target: bool = setting("auxiliary head predicting the target position from the conv features (Zhu et "
                               "al.)", flag=True)
    # where
    task: str = setting("task (toy: a seconds-long check of the learner, no MuJoCo)", choices=TASKS, flag=True)
    preset: str | None = setting("simulator variation (config/presets.yaml: real_proxy, colour_small, ...)",
                                 nonempty=True, flag=True, unset="none, the task's own randomisation")
    seed: int = setting("random seed", flag=True)
    run_dir: str | None = setting("output directory", nonempty=True, flag=True,
                                  unset="runs/<task>[-preset]-<mode>-<column>-<arch>-s<seed>")
    # algorithm
    algo: str = setting("a3c: asynchronous worker processes; a2c: one process, synchronous envs", choices=ALGOS,
                        flag=True)
    workers: int = setting("A3C worker processes (one torch thread each)", low=1, flag=True)
    envs_per_worker: int = setting("A3C environments per worker process, stepped in lockstep", low=1, flag=True)
    envs: int = setting("A2C environments stepped in lockstep", low=1, flag=True)
    threads: int = setting("A2C torch threads (A3C workers use one each)", low=1)
    total_steps: int = setting("total env steps (over all workers)", unit="env steps", low=1, flag="--steps")
    n_steps: int = setting("rollout length for n-step returns and truncated BPTT", low=1, flag=True)
    gamma: float = setting("discount", low=0, high=1, flag=True)
    lr: float = setting("learning rate", above=0, flag=True)
    lr_schedule: str = setting("constant: lr throughout; linear: lr annealed linearly to 0 at total_steps, as "
                               "in the A3C paper (Mnih et al. 2016)", choices=LR_SCHEDULES, flag=True)
    output_lr_scale: float = setting("progressive/finetune: the newest column's output layer (its joint logits "
                                     "and value) learns at this multiple of the learning rate; a new "
                                     "progressive column's own output weights start at zero (A2C only)",
                                     above=0, flag=True)
    entropy_coef: float = setting("entropy regularisation weight", low=0, flag=True)
    value_coef: float = setting("value loss weight", low=0)
    aux_coef: float = setting("auxiliary target-position loss weight", low=0)
    max_grad_norm: float = setting("gradient clipping (global norm)", above=0, flag=True)
    value_warmup_steps: int = setting("first env steps update only the value, the policy held (a transfer's "
                                      "baseline fitted to the new domain first)", unit="env steps", low=0,
                                      flag=True)
    value_warmup_lr: float = setting("learning rate during the value warm-up (0: --lr)", low=0, flag=True)
    optimizer: str = setting("optimiser (statistics shared between A3C workers)", choices=OPTIMIZERS, flag=True)
    rmsprop_alpha: float = setting("RMSprop smoothing constant", low=0, high=1)
    rmsprop_bias_correction: bool = setting("RMSprop bias correction (jaco_prog.learning.optimizer says why)")
    optimizer_eps: float = setting("optimiser epsilon", above=0)
    # bookkeeping
    checkpoint_every: int = setting("env steps between checkpoints (also written on SIGINT/SIGTERM and at the "
                                    "end)", unit="env steps", low=1, flag=True)
    log_every: int = setting("updates between loss scalars", low=1)
    progress: bool = setting("no progress bar (tqdm)", flag="--no-progress")
    column_sizes: dict = setting("column sizes by name (docs/networks.md)", parse=column_sizes)

    def validate(self) -> None:
        check_fields(self, "train config:")
        if self.column not in self.column_sizes:
            raise ConfigError("train config: column", f"must be one of {', '.join(self.column_sizes)} "
                                                      f"(got {self.column!r})")
        if self.mode == "scratch" and self.from_checkpoint:
            raise ConfigError("train config: from_checkpoint", "mode scratch starts from random weights; "
                                                               "use --mode progressive or finetune with --from")
        if self.mode != "scratch" and not self.from_checkpoint:
            raise ConfigError("train config: from_checkpoint", f"mode {self.mode} needs --from CHECKPOINT")
        if self.output_lr_scale != 1 and self.mode == "scratch":
            raise ConfigError("train config: output_lr_scale", "scales the output layer of a column grown or "
                                                               "finetuned from a checkpoint; mode scratch has none")
        if self.output_lr_scale != 1 and self.algo == "a3c":  # each worker builds its own optimiser over the net
            raise ConfigError("train config: output_lr_scale", "is applied by the A2C and online learners only; "
                                                               "use --algo a2c")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict, where: str = "train config:") -> "TrainConfig":
        """The fields `data` names over config/train.yaml (unknown keys and wrong types refused)."""
        from jaco_prog.config import from_mapping

        return from_mapping(cls, data, where, base=cls())


def _finger_commands() -> tuple:
    from jaco_prog.sim.scripted_policy import FINGER_ACTIONS  # MuJoCo: asked only when a value is checked

    return tuple(FINGER_ACTIONS)


def _train_column_sizes() -> dict:
    return TrainConfig().column_sizes


@config_class("imitate.yaml")
class ImitationConfig:
    """DAgger warm start of a first column (jaco_prog.learning.imitation)."""
    task: str = setting("task", choices=("reach", "conveyor"), flag=True)
    preset: str | None = setting("simulator variation (config/presets.yaml)", nonempty=True, flag=True,
                                 unset="none")
    column: str = setting("size of the column: a key of config/train.yaml column_sizes", flag=True)
    arch: str = setting("core of the column", choices=CORES, flag=True)
    asymmetric_critic: bool = setting("value from pixels only (no critic on privileged sim state)",
                                      flag="--no-asymmetric-critic")
    aux_target: bool = setting("no auxiliary target-position head", flag="--no-aux-target")
    seed: int = setting("random seed", flag=True)
    iterations: int = setting("DAgger iterations", low=1, flag=True)
    steps_per_iteration: int = setting("env steps collected per iteration", unit="env steps", low=1, flag=True)
    envs: int = setting("environments stepped in lockstep, the student's forward batched over them", low=1,
                        flag=True)
    init_from: str | None = setting("a first-column checkpoint (file or run directory) of the same net whose "
                                    "weights and optimiser the student starts from; its env steps and wall time "
                                    "count towards this run's (none: a fresh net)", nonempty=True, flag=True,
                                    unset="none")
    beta_start: float = setting("chance of executing the teacher's action in iteration 0", low=0, high=1,
                                flag=True)
    beta_decay: float = setting("teacher share multiplier per iteration (it starts at beta_start)", low=0, high=1,
                                flag=True)
    beta_floor: float = setting("teacher share below which it is 0: the student alone drives from then on",
                                low=0, high=1)
    student_greedy: bool = setting("the student executes its most probable actions, as it will be scored")
    updates_per_iteration: int = setting("gradient steps per iteration", low=1, flag="--updates")
    batch_episodes: int = setting("episodes per gradient step", low=1, flag=True)
    lr: float = setting("Adam learning rate", above=0, flag=True)
    gamma: float = setting("discount of the value targets", low=0, high=1)
    value_coef: float = setting("value loss weight", low=0)
    aux_coef: float = setting("weight of the palm-to-target loss during imitation", low=0, flag=True)
    max_grad_norm: float = setting("gradient clipping (global norm)", above=0)
    max_frames: int = setting("data set cap (12 KB per frame)", unit="frames", low=1, flag=True)
    teacher_hover: float = setting("the teacher aims the palm this far above the target centre", unit="m",
                                   flag=True)
    teacher_fingers: str = setting("the teacher's finger command: open | close | hold", choices=_finger_commands,
                                   flag=True)
    teacher_deadband: float = setting("the teacher moves an arm joint only where its wanted motion exceeds this "
                                      "share of the fastest arm joint's", low=0, high=1)
    teacher_arrival: float = setting("the teacher holds the arm still while its palm is within this distance "
                                     "of where it aims", unit="m", above=0)
    teacher_lead: float = setting("the teacher steers the palm where its joint velocities carry it this long "
                                  "from now (0: where it is)", unit="s", low=0)
    label_temperature: float = setting("softness of the teacher's labels near its deadband (0: one-hot)", low=0,
                                       flag=True)
    bootstrap_truncation: bool = setting("value target at the time limit: + gamma * V(last state), as A2C")
    pretrain_frames: int = setting("teacher-driven frames to pretrain the conv layers on target position "
                                   "before iteration 0 (0: none)", unit="frames", low=0, flag=True)
    pretrain_updates: int = setting("gradient steps of that pretraining", low=0, flag=True)
    pretrain_batch: int = setting("frames per pretraining step", low=1)
    pretrain_lr: float = setting("pretraining learning rate", above=0)
    threads: int = setting("torch threads", low=1, flag=True)
    # The column A3C then trains (`train --mode finetune`) is sized by the same table.
    column_sizes: dict = field(default_factory=_train_column_sizes)

    def make_teacher(self, env):
        """The scripted reacher that labels the states: privileged target position and palm Jacobian."""
        from jaco_prog.sim.scripted_policy import ScriptedReacher

        return ScriptedReacher(env, hover=self.teacher_hover, deadband=self.teacher_deadband,
                               fingers=self.teacher_fingers, arrival=self.teacher_arrival, lead=self.teacher_lead)

    def beta(self, iteration: int) -> float:
        beta = self.beta_start * self.beta_decay ** iteration
        return beta if beta >= self.beta_floor else 0.0

    def validate(self) -> None:
        check_fields(self, "imitation:")
        if self.column not in self.column_sizes:
            raise ConfigError("imitation: column", f"must be one of {', '.join(self.column_sizes)} "
                                                   f"(got {self.column!r})")
        if self.pretrain_frames and not self.aux_target:
            raise ConfigError("imitation: pretrain_frames",
                              "encoder pretraining learns the palm-to-target vector: it needs the aux target head")
