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

"""Training hyper-parameters in one dataclass (CleanRL style); defaults mirrored in config/train.yaml.

Precedence, lowest first: these defaults, config/train.yaml, a --config FILE, command line flags. A resumed
run takes its configuration from its checkpoint; only `total_steps` may change (to train longer).
"""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, fields

from jaco_prog.config import ConfigError, kind_of, load_yaml
from jaco_prog.nets.spec import COLUMN_INPUTS, CORES, SIZE_PRESETS

MODES = ("scratch", "progressive", "finetune")
ALGOS = ("a2c", "a3c")
TASKS = ("reach", "conveyor", "toy")
OPTIMIZERS = ("rmsprop", "adam")
# What a configuration saved before a field existed meant by its absence (a checkpoint resumes as it ran).
VALUES_BEFORE_FIELD_EXISTED = {"rmsprop_bias_correction": False}


@dataclass
class TrainConfig:
    # what to train
    mode: str = "scratch"            # scratch: a first column | progressive: add a column | finetune: keep training
    from_checkpoint: str | None = None  # progressive/finetune: the checkpoint (or run dir) to start from
    column: str = "wide"             # size of the new column: a key of `column_sizes`
    arch: str = "lstm"               # lstm | ff
    inputs: str = "pixels"           # pixels | pixels+proprio | proprio
    asymmetric_critic: bool = False  # value from privileged sim state (Zhu et al.); simulation only
    aux_target: bool = False         # auxiliary target-position head on the conv features (Zhu et al.)
    # where
    task: str = "reach"              # reach | conveyor | toy (a seconds-long check of the learner, no MuJoCo)
    preset: str | None = None        # sim variation: real_proxy, colour_small, ... (see config/presets.yaml)
    seed: int = 0
    run_dir: str | None = None       # default runs/<task>-<mode>-<column>-<arch>-s<seed>
    # algorithm
    algo: str = "a3c"                # a3c: asynchronous worker processes | a2c: one process, synchronous envs
    workers: int = 2                 # a3c worker processes (one torch thread each)
    envs_per_worker: int = 8         # a3c envs each worker steps in lockstep (its forward is batched over them)
    envs: int = 8                    # a2c environments stepped in lockstep
    threads: int = 1                 # a2c torch threads (a3c workers use one each); more only helps wide nets
    total_steps: int = 1_000_000     # env steps over all workers/envs
    n_steps: int = 20                # rollout length: n-step returns and truncated BPTT
    gamma: float = 0.99
    lr: float = 3e-4                 # paper samples 5e-5..5e-3 (log-uniform)
    entropy_coef: float = 1e-3       # paper samples 1e-5..1e-2 (log-uniform)
    value_coef: float = 0.5
    aux_coef: float = 0.1
    max_grad_norm: float = 40.0
    value_warmup_steps: int = 0      # first env steps train only what cannot change the policy (the value), so
    #                                  a transfer's policy gradient starts from a baseline fitted to the new domain
    value_warmup_lr: float = 0.0     # learning rate during the warm-up (0: lr)
    optimizer: str = "rmsprop"       # shared statistics across A3C workers either way
    rmsprop_alpha: float = 0.99
    rmsprop_bias_correction: bool = True  # jaco_prog.learning.optimizer says why
    optimizer_eps: float = 1e-5
    # bookkeeping
    checkpoint_every: int = 50_000   # env steps between checkpoints (also written on SIGINT/SIGTERM and at the end)
    log_every: int = 10              # updates between loss scalars
    progress: bool = True            # tqdm bar
    column_sizes: dict = field(default_factory=lambda: copy.deepcopy(SIZE_PRESETS))

    def validate(self) -> None:
        choices = {"mode": MODES, "algo": ALGOS, "task": TASKS, "arch": CORES, "inputs": COLUMN_INPUTS,
                   "optimizer": OPTIMIZERS, "column": tuple(self.column_sizes)}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ConfigError(f"train config: {name}", f"must be one of {', '.join(allowed)} "
                                                           f"(got {getattr(self, name)!r})")
        counts = {name: 1 for name in ("workers", "envs_per_worker", "envs", "threads", "total_steps", "n_steps",
                                       "checkpoint_every", "log_every")}
        for name, least in {**counts, "value_warmup_steps": 0}.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                kind = "a positive" if least else "a non-negative"
                raise ConfigError(f"train config: {name}", f"must be {kind} integer (got {value!r})")
        for name in ("lr", "max_grad_norm", "optimizer_eps"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"train config: {name}", f"must be > 0 (got {getattr(self, name)!r})")
        for name in ("entropy_coef", "value_coef", "aux_coef", "value_warmup_lr"):
            if getattr(self, name) < 0:
                raise ConfigError(f"train config: {name}", f"must be >= 0 (got {getattr(self, name)!r})")
        if not 0 <= self.gamma <= 1:
            raise ConfigError("train config: gamma", f"must be in [0, 1] (got {self.gamma!r})")
        if self.mode == "scratch" and self.from_checkpoint:
            raise ConfigError("train config: from_checkpoint", "mode scratch starts from random weights; "
                                                               "use --mode progressive or finetune with --from")
        if self.mode != "scratch" and not self.from_checkpoint:
            raise ConfigError("train config: from_checkpoint", f"mode {self.mode} needs --from CHECKPOINT")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict, where: str = "train config") -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(where, f"unknown keys {unknown}; known: {', '.join(sorted(known))}")
        config = cls(**data)
        _check_types(config, where)
        return config


def load_train_config(paths: list, overrides: dict | None = None) -> TrainConfig:
    """Dataclass defaults, then each YAML file in order, then `overrides` (command line flags)."""
    data = TrainConfig().to_dict()
    for path in paths:
        raw = load_yaml(path)
        config = TrainConfig.from_dict(raw, str(path))  # checks key names and types early, with the file name
        data.update({k: getattr(config, k) for k in raw})
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    config = TrainConfig.from_dict(data)
    config.validate()
    return config


def _check_types(config: TrainConfig, where: str) -> None:
    defaults = TrainConfig()
    for f in fields(TrainConfig):
        value, default = getattr(config, f.name), getattr(defaults, f.name)
        if default is None:  # optional fields (from_checkpoint, preset, run_dir)
            continue
        if value is None:
            raise ConfigError(f"{where}: {f.name}", "must be set")
        if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            setattr(config, f.name, float(value))
        elif type(value) is not type(default):
            raise ConfigError(f"{where}: {f.name}", f"must be {kind_of(default)} (got {value!r})")
