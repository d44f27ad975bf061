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

"""Train-as-you-deploy parity: the same policy on the same seeds, once stepped in the training environment and
once through the graph (the in-process runner: SimWorld -> tracker -> PolicyLoop -> driver + safety layer).

    env = env_returns("scripted", seeds=range(100, 120))           # returns as `jaco_prog.sim.make_env` gives them
    graph = graph_returns("scripted", first_seed=100, episodes=20)  # GraphEpisode per episode: tracker + ground truth
    parity_summary(env, graph)                                      # the figures bench/graph_parity.py prints

Policies: "scripted" (the privileged teacher, ScriptedReacher) or a checkpoint path (greedy). Episode n of the
graph runs seed first_seed + n, which is the seed the environment is reset with for the same episode.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np


@dataclass
class GraphEpisode:
    seed: int
    tracker_return: float  # what the graph credits: the tracker's reward
    ground_truth_return: float  # the simulator's reward at the same ticks
    steps: int
    agreeing_steps: int  # steps at which the tracker's reward equals the ground truth


def _actor(policy: str, env):
    if policy == "scripted":
        from jaco_prog.sim.scripted_policy import ScriptedReacher
        return ScriptedReacher(env)
    from jaco_prog.nets.policy import Policy
    from jaco_prog.runtime.policy_loop import NetActor
    return NetActor(Policy.from_checkpoint(policy, seed=0), greedy=True)


def env_returns(policy: str, seeds: Iterable[int], task: str = "reach", preset: str | None = None) -> list[float]:
    """Undiscounted return of each episode, stepping the training environment directly."""
    from jaco_prog.sim import make_env

    env = make_env(task=task, preset=preset)
    try:
        actor = _actor(policy, env)
        out = []
        for seed in seeds:
            obs, _ = env.reset(seed=int(seed))
            actor.reset()
            total, done = 0.0, False
            while not done:
                obs, reward, terminated, truncated, _ = env.step(actor.act(obs))
                total += reward
                done = terminated or truncated
            out.append(total)
        return out
    finally:
        env.close()


def graph_returns(policy: str, first_seed: int, episodes: int, task: str = "reach",
                  preset: str | None = None) -> list[GraphEpisode]:
    """Each episode through the in-process graph, with the tracker's and the simulator's return."""
    from jaco_prog.runtime.inprocess import build_graph
    from jaco_prog.runtime.params import load_runtime_params
    from jaco_prog.runtime.policy_loop import PolicyLoop
    from jaco_prog.runtime.sim_world import SimWorld

    params = load_runtime_params()
    world = SimWorld.build(task=task, preset=preset, seed=first_seed, params=params)
    try:
        if policy == "scripted":
            actor_or_loop = _actor(policy, world.env)
        else:
            actor_or_loop = PolicyLoop.from_checkpoint(policy, world.profile, params.policy)
        graph = build_graph(world, actor_or_loop, params, seed=first_seed)
        records = graph.run(episodes)
        return [GraphEpisode(r.seed, r.episode_return, r.ground_truth_return, r.steps, r.agreeing_steps)
                for r in records]
    finally:
        world.close()


def parity_summary(env: list[float], graph: list[GraphEpisode]) -> dict:
    tracker = np.array([g.tracker_return for g in graph])
    truth = np.array([g.ground_truth_return for g in graph])
    steps = sum(g.steps for g in graph)
    return {
        "episodes": len(graph),
        "env_mean": float(np.mean(env)),
        "graph_tracker_mean": float(tracker.mean()),
        "graph_ground_truth_mean": float(truth.mean()),
        "ratio_ground_truth": float(truth.mean() / np.mean(env)) if np.mean(env) else float("nan"),
        "ratio_tracker": float(tracker.mean() / np.mean(env)) if np.mean(env) else float("nan"),
        "step_agreement": sum(g.agreeing_steps for g in graph) / steps if steps else float("nan"),
        "max_return_gap": float(np.max(np.abs(tracker - truth))) if len(graph) else 0.0,
    }
