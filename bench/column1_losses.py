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

"""Where does column 1 lose its points? The step budget of greedy held-out episodes, split by what each step did.

Every episode has 50 steps, each worth at most 1, so the budget splits into:

    scored             steps with the palm within the reward radius (the return)
    before reaching    steps before the first reward, in episodes that scored (the travel; a teacher spends
                       about 20 of them too)
    never reached      every step of an episode that never scored, ended early or not
    out of zone        steps after the first reward with the palm outside the radius again
    ended early        steps cut off by a safety termination after the first reward

For the out-of-zone steps it also prints how far the palm was above and beside the target centre, and the
share of steps where column 1 picks the privileged teacher's action, per arm joint.

    .venv/bin/python bench/column1_losses.py                                   # shipped column, 200 episodes
    .venv/bin/python bench/column1_losses.py --checkpoint runs/X --episodes 400
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("MUJOCO_GL", "egl")
PARTS = ("scored", "before reaching", "never reached", "out of zone", "ended early")


def step_budget(checkpoint, episodes: int, seed: int, teacher_fingers: str | None = None,
                teacher_hover: float | None = None) -> dict:
    from jaco_prog.learning.imitation import ImitationConfig
    from jaco_prog.nets.policy import Policy
    from jaco_prog.sim import make_env

    policy = Policy.from_checkpoint(checkpoint, seed=seed)
    env = make_env()
    given = {k: v for k, v in (("teacher_fingers", teacher_fingers), ("teacher_hover", teacher_hover))
             if v is not None}
    teacher = ImitationConfig(**given).make_teacher(env)
    arm = np.array([j.group == "arm" for j in env.profile.joints])
    steps = env.cfg.task.episode_steps
    budget = dict.fromkeys(PARTS, 0)
    offsets, agree = [], []
    try:
        for episode in range(episodes):
            obs, info = env.reset(seed=seed + episode)
            policy.reset()
            first, t = None, 0
            for t in range(1, steps + 1):
                action = policy.act(obs, greedy=True)
                agree.append(action[arm] == teacher.act()[arm])
                obs, reward, terminated, truncated, info = env.step(action)
                if reward:
                    budget["scored"] += 1
                    first = first or t
                elif first is not None:
                    budget["out of zone"] += 1
                    offsets.append(info["privileged"]["palm_pos"] - env.target_position())
                if terminated or truncated:
                    break
            if first is None:
                budget["never reached"] += steps
            else:
                budget["before reaching"] += first - 1
                budget["ended early"] += steps - t
    finally:
        env.close()
    offsets = np.array(offsets).reshape(-1, 3)
    return {"budget": budget, "episodes": episodes, "steps": steps, "agreement": np.mean(agree, axis=0),
            "above": float(offsets[:, 2].mean()) if len(offsets) else float("nan"),
            "beside": float(np.linalg.norm(offsets[:, :2], axis=1).mean()) if len(offsets) else float("nan")}


def main(argv: list[str] | None = None) -> int:
    from jaco_prog.evaluation.sim_score import EVAL_SEED_BASE

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=Path("models/column1_reach_wide_lstm.pt"))
    parser.add_argument("--episodes", type=int, default=200)
    parser.add_argument("--teacher-fingers", help="the teacher agreement is measured against (default: DAgger's)")
    parser.add_argument("--teacher-hover", type=float)
    args = parser.parse_args(argv)
    if args.episodes < 1:
        parser.error("--episodes must be at least 1")
    if not args.checkpoint.exists():
        parser.error(f"checkpoint {args.checkpoint} does not exist")
    r = step_budget(args.checkpoint, args.episodes, EVAL_SEED_BASE, args.teacher_fingers, args.teacher_hover)
    total = r["episodes"] * r["steps"]
    print(f"{args.checkpoint}: {r['episodes']} held-out episodes, greedy; {total} steps in all")
    for part in PARTS:
        print(f"  {part:<16} {r['budget'][part]:>6}  {r['budget'][part] / total:6.1%}")
    print(f"mean return {r['budget']['scored'] / r['episodes']:.1f} of {r['steps']}")
    print(f"out of zone: palm {100 * r['above']:.1f} cm above and {100 * r['beside']:.1f} cm beside the target "
          f"centre on average")
    print("agreement with the teacher per arm joint: " + " ".join(f"{a:.2f}" for a in r["agreement"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
