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

"""n-step advantage actor-critic: step envs with the net, then build the loss. Shared by A2C and A3C workers.

Acting and learning are split for speed. During the rollout the net runs under no_grad, once per env step
on the batch of envs (frozen and trainable columns alike), and the runner keeps what the update needs: the
observations, the actions, the episode starts and the recurrent state at the start of the rollout. The
update then runs ONE forward with gradients over the whole T x B segment (`ProgressiveNet.forward_sequence`:
conv levels, laterals and heads batched over T*B frames, only the LSTM recurrence stepped over T). The
weights do not change between acting and learning, so the loss and its gradient are the ones the
differentiated per-step forward gave (the same log-probabilities, values and truncated BPTT), at a fraction
of the cost. The recurrent state flows through the whole rollout (truncated BPTT over n_steps), is zeroed
where an episode starts, and is detached between rollouts.

Returns: R_t = r_t + gamma * (1 - done_t) * R_{t+1}, bootstrapped from V(s_{t+n}). A time-limit end
(truncated) is not a real terminal: its reward gets gamma * V(final observation) added before the episode is
cut, so the value does not learn that the 50th step is the end of the world. A safety violation (terminated)
is terminal: zero bootstrap.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from jaco_prog.learning.config import TrainConfig
from jaco_prog.learning.envs import aux_target, batch_observations, privileged_vector
from jaco_prog.nets.progressive import ProgressiveNet


@dataclass
class Episode:
    worker: int
    ret: float
    length: int
    success: bool      # the reward was collected at least once (palm within the radius of the target)
    terminated: bool   # ended by a safety violation rather than the time limit


@dataclass
class Rollout:
    loss: torch.Tensor
    stats: dict[str, float]
    episodes: list[Episode]
    steps: int


class RolloutRunner:
    """Owns a list of envs and everything that carries over between rollouts: the current observations, the
    recurrent state and the running episode statistics."""

    def __init__(self, envs: list, spec_keys: list[str], cfg: TrainConfig, net: ProgressiveNet, worker: int = 0,
                 seed: int = 0):
        self.envs, self.keys, self.cfg, self.worker = envs, spec_keys, cfg, worker
        column = net.trainable_column.spec
        self.needs_privileged = column.asymmetric_critic
        self.needs_target = column.aux_target
        self.generator = torch.Generator().manual_seed(seed)
        self.obs, self.infos = [], []
        for env in envs:
            obs, info = env.reset()
            self.obs.append(obs)
            self.infos.append(info)
        self.state = net.initial_state(len(envs))
        self.episode_return = np.zeros(len(envs))
        self.episode_length = np.zeros(len(envs), dtype=np.int64)

    def _inputs(self, observations: list[dict], infos: list[dict]):
        batch = batch_observations(observations, self.keys)
        privileged = None
        if self.needs_privileged:
            privileged = torch.from_numpy(np.stack([privileged_vector(i, o["proprio"])
                                                    for o, i in zip(observations, infos)]))
        return batch, privileged

    def collect(self, net: ProgressiveNet, value_only: bool = False) -> Rollout:
        """Act for n_steps (no gradients), then build the loss from one batched forward over the segment.
        value_only (a value warm-up): the loss leaves out the policy and entropy terms."""
        cfg, n_envs = self.cfg, len(self.envs)
        inputs, privileges, targets, actions_taken, rewards, dones = [], [], [], [], [], []
        episodes = []
        env_seconds = 0.0  # CPU time (all the process's threads: the renderer's too) stepping and resetting envs
        start_state = state = self.state
        with torch.no_grad():
            for _ in range(cfg.n_steps):
                batch, privileged = self._inputs(self.obs, self.infos)
                inputs.append(batch)
                privileges.append(privileged)
                if self.needs_target:
                    targets.append(torch.from_numpy(np.stack([aux_target(i) for i in self.infos])))
                out = net(batch, state, privileged)
                probs = torch.softmax(out.logits, dim=-1)                      # B x joints x 3
                actions = torch.multinomial(probs.reshape(-1, probs.shape[-1]), 1, generator=self.generator)
                actions = actions.reshape(n_envs, -1)                          # B x joints
                actions_taken.append(actions)

                step_rewards, step_dones, cut = np.zeros(n_envs, np.float32), np.zeros(n_envs, np.float32), []
                env_start = time.process_time()
                for i, env in enumerate(self.envs):
                    obs, reward, terminated, truncated, info = env.step(actions[i].numpy())
                    self.episode_return[i] += reward
                    self.episode_length[i] += 1
                    step_rewards[i] = reward
                    if terminated or truncated:
                        if truncated and not terminated:
                            cut.append((i, obs, info))
                        episodes.append(Episode(self.worker, float(self.episode_return[i]),
                                                int(self.episode_length[i]), bool(self.episode_return[i] > 0),
                                                bool(terminated)))
                        self.episode_return[i], self.episode_length[i] = 0.0, 0
                        step_dones[i] = 1.0
                        obs, info = env.reset()
                    self.obs[i], self.infos[i] = obs, info
                env_seconds += time.process_time() - env_start
                if cut:
                    step_rewards += self._time_limit_bootstrap(net, cut, out.state, n_envs)
                rewards.append(torch.from_numpy(step_rewards))
                dones.append(torch.from_numpy(step_dones))
                state = out.state * (1.0 - dones[-1]).unsqueeze(1)  # a new episode starts from a zero state

            batch, privileged = self._inputs(self.obs, self.infos)
            bootstrap = net(batch, state, privileged).value
        self.state = state

        loss, stats = n_step_loss(net, cfg, inputs, start_state, actions_taken, rewards, dones, bootstrap,
                                  value_only, privileges if self.needs_privileged else None,
                                  targets if self.needs_target else None)
        # what the envs cost per frame under this policy (bench/training_throughput.py sets it against the same
        # envs under random actions: a policy that presses against the workspace makes the safety layer work)
        stats["perf/env_cpu_ms_per_frame"] = 1e3 * env_seconds / (cfg.n_steps * n_envs)
        return Rollout(loss, stats, episodes, cfg.n_steps * n_envs)

    @torch.no_grad()
    def _time_limit_bootstrap(self, net: ProgressiveNet, cut: list, state: torch.Tensor, n_envs: int) -> np.ndarray:
        """gamma * V(final observation) for envs whose episode hit the time limit this step."""
        index = [i for i, _, _ in cut]
        batch, privileged = self._inputs([obs for _, obs, _ in cut], [info for _, _, info in cut])
        value = net(batch, state[index], privileged).value.numpy()
        extra = np.zeros(n_envs, np.float32)
        extra[index] = self.cfg.gamma * value
        return extra


def n_step_loss(net: ProgressiveNet, cfg: TrainConfig, inputs: list[dict[str, torch.Tensor]],
                start_state: torch.Tensor, actions_taken: list[torch.Tensor], rewards: list[torch.Tensor],
                dones: list[torch.Tensor], bootstrap: torch.Tensor, value_only: bool = False,
                privileges: list[torch.Tensor] | None = None,
                targets: list[torch.Tensor] | None = None) -> tuple[torch.Tensor, dict[str, float]]:
    """The actor-critic loss of one T-step segment of B streams (and its stats), from ONE forward with gradients
    from the segment's starting state. Per step t (lists of length T): inputs[t] the observations the actions
    were taken on (B-first tensors), actions_taken[t] B x joints, rewards[t] and dones[t] B (a time-limit end's
    reward already holds gamma * V(final observation)); bootstrap: V(s_T), B. privileges / targets: per step,
    only for a column with an asymmetric critic / a target head. Shared by the env rollouts (RolloutRunner) and
    the graph's online learner (jaco_prog.learning.online)."""
    n_envs = start_state.shape[0]
    # one forward with gradients over the T x B segment, from the rollout's starting state
    starts = torch.stack([torch.zeros(n_envs)] + dones[:-1])                # T x B: zero the state first
    segment = {key: torch.stack([b[key] for b in inputs]) for key in inputs[0]}
    out = net.forward_sequence(segment, start_state, starts,
                               torch.stack(privileges) if privileges is not None else None)
    log_p = F.log_softmax(out.logits, dim=-1)                              # T x B x joints x 3
    actions = torch.stack(actions_taken)                                    # T x B x joints
    log_probs = log_p.gather(-1, actions.unsqueeze(-1)).squeeze(-1).sum(-1)  # joint policies are independent
    entropies = -(log_p.exp() * log_p).sum(-1).sum(-1)
    values = out.value

    returns, running = [], bootstrap
    for reward, done in zip(reversed(rewards), reversed(dones)):
        running = reward + cfg.gamma * (1.0 - done) * running
        returns.append(running)
    returns = torch.stack(returns[::-1])                 # T x B
    advantages = returns - values.detach()
    policy_loss = -(log_probs * advantages).mean()
    value_loss = 0.5 * (returns - values).pow(2).mean()
    entropy = entropies.mean()
    if value_only:
        loss = cfg.value_coef * value_loss
    else:
        loss = policy_loss + cfg.value_coef * value_loss - cfg.entropy_coef * entropy
    stats = {"loss/policy": policy_loss.item(), "loss/value": value_loss.item(), "policy/entropy": entropy.item(),
             "policy/value_mean": values.mean().item(), "policy/value_warmup": float(value_only)}
    if targets is not None:
        aux_loss = F.mse_loss(out.aux, torch.stack(targets))
        loss = loss + cfg.aux_coef * aux_loss
        stats["loss/aux_target"] = aux_loss.item()
    stats["loss/total"] = loss.item()
    return loss, stats


def clip_and_step(net: ProgressiveNet, optimizer: torch.optim.Optimizer, loss: torch.Tensor,
                  max_grad_norm: float, only: list[torch.nn.Parameter] | None = None) -> float:
    """Backward through the trainable column only, clip the global gradient norm, step. Returns the norm.
    only: step these parameters and no others (the rest get no gradient, so the optimiser skips them)."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    params = [p for p in net.parameters() if p.requires_grad]
    if only is not None:
        params = keep_gradients(params, only)
    norm = torch.nn.utils.clip_grad_norm_(params, max_grad_norm)
    optimizer.step()
    return float(norm)


def keep_gradients(params: list[torch.nn.Parameter], keep: list[torch.nn.Parameter]) -> list[torch.nn.Parameter]:
    """Drop the gradient of every parameter not in `keep` (an optimiser skips a parameter without one);
    returns the parameters that still have theirs."""
    kept = {id(p) for p in keep}
    for p in params:
        if id(p) not in kept:
            p.grad = None
    return [p for p in params if p.grad is not None]
