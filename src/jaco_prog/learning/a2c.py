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

"""A2C: one process, `envs` environments stepped in lockstep, one synchronous update per n-step rollout.
(The paper tuned its robot hyper-parameters with a single-threaded A2C agent, §4.1.)"""
from __future__ import annotations

import torch

from jaco_prog.learning.envs import make_training_env
from jaco_prog.learning.optimizer import begin_update, value_warmup_parameters
from jaco_prog.learning.rollout import RolloutRunner, clip_and_step


def train_a2c(run) -> None:
    cfg, net = run.cfg, run.net
    # small nets: OpenMP threads cost more in synchronisation than they save, worst on a busy machine
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(cfg.threads)
    # a resumed run continues with fresh env seeds rather than replaying the episodes it has already seen
    seed = cfg.seed + 7919 * run.global_step
    envs = [make_training_env(cfg.task, cfg.preset, seed + i) for i in range(cfg.envs)]
    try:
        runner = RolloutRunner(envs, net.spec.observation_keys, cfg, net, seed=seed)
        net.train()
        warmup_params = value_warmup_parameters(net)
        while not run.done:
            warmup = begin_update(run.optimizer, cfg, run.global_step)
            rollout = runner.collect(net, value_only=warmup)
            rollout.stats["grad_norm"] = clip_and_step(net, run.optimizer, rollout.loss, cfg.max_grad_norm,
                                                       warmup_params if warmup else None)
            run.record(run.global_step + rollout.steps, rollout.stats, rollout.episodes)
    finally:
        torch.set_num_threads(previous_threads)
        for env in envs:
            env.close()
