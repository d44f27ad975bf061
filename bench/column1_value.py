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

"""Does column 1's own value output predict the return? A check behind docs/results.md's finetuning diagnosis.

A transfer run (finetune, or a progressive column whose output starts from column 1's) uses the value on the
column's output layer, not the privileged critic DAgger also trained. This runs column 1 greedily on a task or
preset, and compares that value at every step with the discounted return that followed (gamma as in
training; the end of an episode, time limit included, counts as terminal, as DAgger's targets do). Baseline:
predicting every step's return by the mean return of all steps (what a value that learnt nothing but a
constant achieves).

    .venv/bin/python bench/column1_value.py                           # training task, 30 episodes
    .venv/bin/python bench/column1_value.py --preset colour_small --episodes 50
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

os.environ.setdefault("MUJOCO_GL", "egl")


def _correlation(a: np.ndarray, b: np.ndarray) -> str:
    return f"{np.corrcoef(a, b)[0, 1]:.2f}" if a.std() > 0 and b.std() > 0 else "n/a (constant)"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", default="models/column1_reach_wide_lstm.pt")
    parser.add_argument("--preset", default=None)
    parser.add_argument("--episodes", type=int, default=30)
    parser.add_argument("--gamma", type=float, default=0.99)
    parser.add_argument("--seed", type=int, default=2_000_000)
    args = parser.parse_args(argv)
    if not os.path.exists(args.checkpoint):
        print(f"error: checkpoint {args.checkpoint} does not exist", file=sys.stderr)
        return 2

    from jaco_prog.learning.imitation import discounted_returns
    from jaco_prog.nets.policy import Policy
    from jaco_prog.sim import make_env

    policy = Policy.from_checkpoint(args.checkpoint)
    env = make_env(task="reach", preset=args.preset)
    values, returns, episode_returns = [], [], []
    try:
        for episode in range(args.episodes):
            obs, _ = env.reset(seed=args.seed + episode)
            policy.reset()
            step_values, rewards = [], []
            while True:
                out = policy.step(obs)
                step_values.append(float(out.output_value[0]))
                obs, reward, terminated, truncated, _ = env.step(out.logits[0].argmax(-1).numpy().astype(np.int64))
                rewards.append(float(reward))
                if terminated or truncated:
                    break
            values.append(np.asarray(step_values))
            returns.append(discounted_returns(rewards, args.gamma))
            episode_returns.append(sum(rewards))
    finally:
        env.close()
    v, g = np.concatenate(values), np.concatenate(returns)
    constant = np.full_like(g, g.mean())
    rmse, rmse_constant = float(np.sqrt(((v - g) ** 2).mean())), float(np.sqrt(((constant - g) ** 2).mean()))
    first_v, first_g = np.array([x[0] for x in values]), np.array([x[0] for x in returns])
    print(f"column 1 output value on {args.preset or 'the training task'}: {args.episodes} greedy episodes, "
          f"{len(g)} steps, mean episode return {np.mean(episode_returns):.1f}")
    print(f"  discounted return per step: mean {g.mean():.2f}, std {g.std():.2f}; value: mean {v.mean():.2f}")
    if g.std() == 0:  # nothing to predict: ratio and correlations are undefined
        print(f"  RMS error {rmse:.2f}; every return was {g[0]:.2f}, so no ratio or correlation")
        return 0
    print(f"  RMS error {rmse:.2f} vs {rmse_constant:.2f} for a constant (ratio {rmse / rmse_constant:.2f}); "
          f"correlation over steps {_correlation(v, g)}, at episode start {_correlation(first_v, first_g)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
