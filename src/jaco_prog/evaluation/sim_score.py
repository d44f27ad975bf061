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

"""Score a checkpoint in the simulated task: N episodes from held-out seeds, the numbers a model card needs.

Evaluation seeds start at EVAL_SEED_BASE, far from the seeds training envs draw, so a score is never measured
on episodes the policy was trained on.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from types import SimpleNamespace

import numpy as np

from jaco_prog.nets.policy import Policy
from jaco_prog.sim.rollout import run_episode

EVAL_SEED_BASE = 1_000_000


@dataclass
class SimScore:
    checkpoint: str
    task: str
    preset: str | None
    greedy: bool
    returns: list[float] = field(repr=False)
    violations: dict[str, int]

    @property
    def episodes(self) -> int:
        return len(self.returns)

    @property
    def mean_return(self) -> float:
        return float(np.mean(self.returns)) if self.returns else float("nan")

    @property
    def stderr(self) -> float:
        return float(np.std(self.returns) / np.sqrt(len(self.returns))) if len(self.returns) > 1 else float("nan")

    @property
    def success_rate(self) -> float:
        """Share of episodes in which the reward was collected at least once."""
        return float(np.mean([r > 0 for r in self.returns])) if self.returns else float("nan")

    def summary(self) -> dict:
        data = asdict(self)
        data.update(episodes=self.episodes, mean_return=self.mean_return, stderr=self.stderr,
                    success_rate=self.success_rate)
        return data

    def line(self) -> str:
        where = self.task + (f" / {self.preset}" if self.preset else "")
        broken = ", ".join(f"{k} {v}" for k, v in sorted(self.violations.items())) or "none"
        return (f"{where}: mean return {self.mean_return:.1f} ± {self.stderr:.1f} over {self.episodes} episodes, "
                f"success {100 * self.success_rate:.0f} %, safety terminations: {broken}")


def score_checkpoint(checkpoint, task: str = "reach", preset: str | None = None, episodes: int = 100,
                     seed: int = EVAL_SEED_BASE, greedy: bool = True, progress: bool = False) -> SimScore:
    from jaco_prog.sim import make_env

    policy = Policy.from_checkpoint(checkpoint, seed=seed)
    env = make_env(task=task, preset=preset)
    stepper = SimpleNamespace(reset=policy.reset, act=lambda obs: policy.act(obs, greedy=greedy))
    returns, violations = [], {}
    iterator = range(episodes)
    if progress:
        from tqdm import tqdm
        iterator = tqdm(iterator, desc="episodes", unit="ep")
    try:
        for episode in iterator:
            result = run_episode(env, stepper, seed=seed + episode, episode=episode)
            returns.append(result.episode_return)
            if result.violation:
                violations[result.violation] = violations.get(result.violation, 0) + 1
    finally:
        env.close()
    return SimScore(str(checkpoint), task, preset, greedy, returns, violations)


def write_score(score: SimScore, path) -> None:
    with open(path, "w") as f:
        json.dump(score.summary(), f, indent=2)
