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

"""Warm-start a first column from a privileged teacher with DAgger (Ross et al. 2011), before A3C.

Zhu et al. 2018 (seed 003) bootstrap visuomotor RL with demonstrations and privileged simulator state; in the
same spirit the scripted reacher, which reads the target position and the palm Jacobian, labels the states
the pixel policy visits:

    for each iteration i:
        run the envs; at each step execute the teacher's action with probability beta_i, else the student's
        record the frames, the teacher's (soft) label for every visited state, rewards and privileged state
        add the episodes to the data set (aggregated over iterations, oldest dropped past `max_frames`)
        train the student on whole episodes: cross-entropy to the teacher's label per joint, both value heads
        to the discounted return that followed (bootstrapped from the student's value where the 50-step limit
        cut the episode, as A2C does), the auxiliary head to the palm-to-target vector

The student is the column A3C then trains (`jaco-prog train --mode finetune --from RUN`), so every head A3C
uses starts trained: the policy, the value on the column's output and, if the column has one, the asymmetric
critic. Env steps taken here count towards the column's step budget (the model card adds them up).

Optionally, before iteration 0, the conv layers and the aux head are pretrained on the palm-to-target vector alone from
teacher-driven frames (`pretrain_frames`; see `pretrain_encoder`); those frames join the data set.

A run directory holds checkpoint.pt (same format as training runs, so `score`, `train --mode finetune` and
the policy node read it), iterations.csv (per iteration: steps, beta, returns of the episodes the student
drove alone, losses), config.yaml, after pretraining pretrain.yaml, and config.until-iteration-N.yaml when a
resume changed the configuration (say, the teacher) after iteration N. Resuming reloads the net and
optimiser and continues with the next iteration; the data set is not checkpointed (gigabytes of frames), so
that iteration first collects half the data-set cap with the student driving, which DAgger tolerates: later
iterations are dominated by the student's own states anyway.
"""
from __future__ import annotations

import csv
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from jaco_prog.learning.envs import aux_target, env_profile, privileged_vector
from jaco_prog.learning.pretrain import pretrain_encoder
from jaco_prog.nets.progressive import ProgressiveNet
from jaco_prog.nets.spec import ColumnSpec, spec_for_env
from jaco_prog.run_dir import RunDirectory
from jaco_prog.train_settings import ImitationConfig  # noqa: F401 - its home is config/imitate.yaml

ITERATIONS_CSV = "iterations.csv"


@dataclass
class EpisodeData:
    pixels: np.ndarray        # T x H x W x 3 uint8
    proprio: np.ndarray       # T x P
    privileged: np.ndarray    # T x D
    target: np.ndarray        # T x 3, the aux head's target: palm-to-target vector
    teacher: np.ndarray       # T x joints int64, the teacher's action in each visited state
    label: np.ndarray         # T x joints x 3 float16, the teacher's soft label of it
    returns: np.ndarray       # T, discounted return from each step on (bootstrapped at the time limit)
    ret: float                # undiscounted episode return
    student_only: bool        # every executed action was the student's

    def __len__(self) -> int:
        return len(self.teacher)


class Collector:
    """Lockstep envs, one teacher per env, and the running episodes' buffers."""

    def __init__(self, cfg: ImitationConfig, net: ProgressiveNet):
        from jaco_prog.sim import make_env

        self.cfg = cfg
        self.envs = [make_env(task=cfg.task, preset=cfg.preset, seed=cfg.seed * 1000 + i) for i in range(cfg.envs)]
        self.teachers = [cfg.make_teacher(env) for env in self.envs]
        self.rng = np.random.default_rng(cfg.seed)
        self.generator = torch.Generator().manual_seed(cfg.seed)
        self.net = net

    def close(self) -> None:
        for env in self.envs:
            env.close()

    def collect(self, steps: int, beta: float) -> list[EpisodeData]:
        """Whole episodes until `steps` env steps were taken (running episodes are finished, not cut)."""
        cfg, n = self.cfg, len(self.envs)
        buffers = [self._new_buffer(env) for env in self.envs]
        state = self.net.initial_state(n)
        finished, taken, active = [], 0, np.ones(n, bool)
        while active.any():
            obs = [b["obs"] for b in buffers]
            batch = {"pixels": torch.from_numpy(np.stack([o["pixels"] for o in obs])),
                     "proprio": torch.from_numpy(np.stack([o["proprio"] for o in obs]))}
            with torch.no_grad():
                out = self.net(batch, state, self._privileged(buffers))
            if cfg.student_greedy:
                student = out.logits.argmax(-1).numpy()
            else:
                student = torch.multinomial(torch.softmax(out.logits, -1).reshape(-1, 3), 1,
                                            generator=self.generator).reshape(n, -1).numpy()
            state = out.state
            for i, (env, buf) in enumerate(zip(self.envs, buffers)):
                if not active[i]:
                    continue
                teacher, label = self.teachers[i].act_and_label(cfg.label_temperature)
                use_teacher = self.rng.random() < beta
                action = teacher if use_teacher else student[i]
                buf["student_only"] &= not use_teacher
                buf["teacher"].append(teacher)
                buf["label"].append(label.astype(np.float16))
                obs_i, reward, terminated, truncated, info = env.step(action)
                buf["rewards"].append(reward)
                taken += 1
                if terminated or truncated:
                    bootstrap = 0.0
                    if truncated and not terminated and cfg.bootstrap_truncation:
                        bootstrap = self._value(obs_i, info, state[i:i + 1])
                    finished.append(self._episode(buf, bootstrap))
                    state[i] = 0.0
                    if taken >= steps:
                        active[i] = False
                        continue
                    obs_i, info = env.reset()
                    buffers[i] = self._new_buffer(env, obs_i, info)
                else:
                    self._observe(buf, obs_i, info)
        return finished

    def _new_buffer(self, env, obs=None, info=None) -> dict:
        if obs is None:
            obs, info = env.reset()
        buf = {"pixels": [], "proprio": [], "privileged": [], "target": [], "teacher": [], "label": [],
               "rewards": [], "student_only": True}
        self._observe(buf, obs, info)
        return buf

    @staticmethod
    def _observe(buf: dict, obs: dict, info: dict) -> None:
        buf["obs"], buf["info"] = obs, info
        buf["pixels"].append(obs["pixels"])
        buf["proprio"].append(obs["proprio"])
        buf["privileged"].append(privileged_vector(info, obs["proprio"]))
        buf["target"].append(aux_target(info))

    def _privileged(self, buffers: list[dict]) -> torch.Tensor | None:
        if not self.net.trainable_column.spec.asymmetric_critic:
            return None
        return torch.from_numpy(np.stack([b["privileged"][-1] for b in buffers]))

    def _value(self, obs: dict, info: dict, state: torch.Tensor) -> float:
        """The student's value of the state an episode was cut in (the one A2C would bootstrap from)."""
        privileged = None
        if self.net.trainable_column.spec.asymmetric_critic:
            privileged = torch.from_numpy(privileged_vector(info, obs["proprio"])[None])
        with torch.no_grad():
            out = self.net({"pixels": torch.from_numpy(obs["pixels"][None]),
                            "proprio": torch.from_numpy(obs["proprio"][None])}, state, privileged)
        return float(out.value[0])

    def _episode(self, buf: dict, bootstrap: float) -> EpisodeData:
        rewards = np.asarray(buf["rewards"], np.float32)
        returns = discounted_returns(rewards, self.cfg.gamma, bootstrap)
        return EpisodeData(np.stack(buf["pixels"]), np.stack(buf["proprio"]), np.stack(buf["privileged"]),
                           np.stack(buf["target"]), np.stack(buf["teacher"]).astype(np.int64),
                           np.stack(buf["label"]), returns, float(rewards.sum()), bool(buf["student_only"]))


def discounted_returns(rewards: np.ndarray, gamma: float, bootstrap: float = 0.0) -> np.ndarray:
    """The value targets of one whole episode: the discounted return after each step, plus the discounted
    `bootstrap` (the value of the state the episode was cut in; 0 after a safety termination)."""
    rewards = np.asarray(rewards, np.float32)
    returns, running = np.zeros_like(rewards), float(bootstrap)
    for t in range(len(rewards) - 1, -1, -1):
        running = rewards[t] + gamma * running
        returns[t] = running
    return returns


def imitation_loss(net: ProgressiveNet, episodes: list[EpisodeData], cfg: ImitationConfig) -> tuple[torch.Tensor, dict]:
    """Loss over a batch of whole episodes, padded to the longest, from a zero recurrent state."""
    steps, batch = max(len(e) for e in episodes), len(episodes)

    def pad(name, dtype=None):
        arrays = [getattr(e, name) for e in episodes]
        out = np.zeros((steps, batch, *arrays[0].shape[1:]), dtype or arrays[0].dtype)
        for b, a in enumerate(arrays):
            out[:len(a), b] = a
        return torch.from_numpy(out)

    mask = torch.zeros(steps, batch)
    for b, e in enumerate(episodes):
        mask[:len(e), b] = 1.0
    column = net.trainable_column.spec
    privileged = pad("privileged") if column.asymmetric_critic else None
    out = net.forward_sequence({"pixels": pad("pixels"), "proprio": pad("proprio")}, net.initial_state(batch),
                               None, privileged)
    teacher = pad("teacher")
    log_p = F.log_softmax(out.logits, dim=-1)
    nll = -(pad("label").float() * log_p).sum(-1).sum(-1)     # T x B: cross-entropy to the label, over joints
    denom = mask.sum()
    policy_loss = (nll * mask).sum() / denom
    returns = pad("returns")
    value_loss = 0.5 * (((out.value - returns) ** 2) * mask).sum() / denom
    if column.asymmetric_critic:
        # the column's own value output (the slot a later progressive column's value starts from, where no
        # privileged state exists) learns the same target from pixels, so it is not left at random weights
        value_loss = value_loss + 0.5 * (((out.output_value - returns) ** 2) * mask).sum() / denom
    loss = policy_loss + cfg.value_coef * value_loss
    agree = ((out.logits.argmax(-1) == teacher).float().mean(-1) * mask).sum() / denom
    stats = {"policy_nll": policy_loss.item(), "value_loss": value_loss.item(), "teacher_agreement": agree.item()}
    if column.aux_target:
        aux = (((out.aux - pad("target")) ** 2).sum(-1) * mask).sum() / denom
        loss = loss + cfg.aux_coef * aux
        stats["aux_loss"] = aux.item()
    stats["loss"] = loss.item()
    return loss, stats


class Dataset:
    """Episodes aggregated over iterations; the oldest go once `max_frames` is exceeded."""

    def __init__(self, max_frames: int, seed: int):
        self.episodes: list[EpisodeData] = []
        self.max_frames = max_frames
        self.frames = 0
        self.rng = np.random.default_rng(seed)

    def add(self, episodes: list[EpisodeData]) -> None:
        self.episodes.extend(episodes)
        self.frames += sum(len(e) for e in episodes)
        while self.frames > self.max_frames and len(self.episodes) > 1:
            self.frames -= len(self.episodes.pop(0))

    def sample(self, batch: int) -> list[EpisodeData]:
        index = self.rng.integers(len(self.episodes), size=batch)
        return [self.episodes[i] for i in index]


def build_student(cfg: ImitationConfig) -> ProgressiveNet:
    from jaco_prog.sim import make_env

    probe = make_env(task=cfg.task, preset=cfg.preset)
    try:
        column = ColumnSpec.from_sizes(cfg.column_sizes, cfg.column, inputs="pixels", core=cfg.arch,
                                       asymmetric_critic=cfg.asymmetric_critic, aux_target=cfg.aux_target)
        return ProgressiveNet(spec_for_env(probe.observation_space, env_profile(probe), column))
    finally:
        probe.close()


FIELDS = ["iteration", "env_steps", "beta", "episodes", "mean_return", "student_episodes", "student_mean_return",
          "policy_nll", "value_loss", "teacher_agreement", "aux_loss", "dataset_frames", "wall_time_s"]


def run_imitation(cfg: ImitationConfig, run_dir: str | Path, resume: bool = False, progress: bool = True) -> Path:
    """DAgger (the box in the module docstring), in a run directory that is new or resumed."""
    cfg.validate()
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    run = ImitationRun.open(cfg, Path(run_dir), resume)
    collector = Collector(cfg, run.net)
    dataset = Dataset(cfg.max_frames, cfg.seed + run.iteration)
    bar = None
    try:
        if cfg.pretrain_frames and not run.pretrained:
            pretrain(run, collector, dataset, progress)
        if progress:
            from tqdm import tqdm
            bar = tqdm(total=cfg.iterations, initial=run.iteration, desc="DAgger", unit="it")
        while run.iteration < cfg.iterations:
            started = time.perf_counter()
            beta = cfg.beta(run.iteration)
            run.net.eval()
            # A resumed or continued run's data set starts empty (frames are not checkpointed) beside a trained
            # student; training on one iteration's frames alone would overfit them, so the first collection
            # refills it.
            trained = run.iteration > 0 or cfg.init_from is not None
            refill = cfg.max_frames // 2 if dataset.frames == 0 and trained else 0
            episodes = collector.collect(max(cfg.steps_per_iteration, refill), beta)
            dataset.add(episodes)
            run.net.train()
            stats = train_student(run.net, run.optimizer, dataset, cfg)
            row = run.finish_iteration(beta, episodes, stats, dataset.frames, time.perf_counter() - started)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(steps=run.env_steps, ret=f"{row['mean_return']:.1f}",
                                student=f"{row['student_mean_return']:.1f}", agree=f"{row['teacher_agreement']:.2f}")
    finally:
        collector.close()
        if bar is not None:
            bar.close()
    return run.folder.path


def train_student(net: ProgressiveNet, optimizer: torch.optim.Optimizer, dataset: "Dataset",
                  cfg: ImitationConfig) -> dict:
    """One iteration's gradient steps on whole episodes sampled from the data set; the mean of each statistic."""
    sums: dict[str, float] = {}
    for _ in range(cfg.updates_per_iteration):
        loss, stats = imitation_loss(net, dataset.sample(cfg.batch_episodes), cfg)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), cfg.max_grad_norm)
        optimizer.step()
        for key, value in stats.items():
            sums[key] = sums.get(key, 0.0) + value
    return {key: value / cfg.updates_per_iteration for key, value in sums.items()}


def pretrain(run: "ImitationRun", collector: Collector, dataset: "Dataset", progress: bool) -> None:
    """Before iteration 0: the encoder learns the palm-to-target vector from teacher-driven frames
    (learning.pretrain), which then join the data set; the figures go to pretrain.yaml."""
    cfg = run.cfg
    started = time.perf_counter()
    if progress:
        print(f"pretraining the encoder on the palm-to-target vector: {cfg.pretrain_frames} teacher-driven frames, "
              f"{cfg.pretrain_updates} updates", flush=True)
    run.net.eval()
    episodes = collector.collect(cfg.pretrain_frames, beta=1.0)
    run.net.train()
    figures = pretrain_encoder(run.net, episodes, cfg)
    dataset.add(episodes)  # teacher-labelled like any other: DAgger learns from them too
    elapsed = time.perf_counter() - started
    figures["wall_time_s"] = round(elapsed, 1)
    run.folder.write("pretrain.yaml", figures)
    if progress:
        print(f"palm-to-target error on held-out frames: {figures['held_out_rms_cm_before']} cm -> "
              f"{figures['held_out_rms_cm_after']} cm", flush=True)
    run.env_steps += sum(len(e) for e in episodes)
    run.wall += elapsed
    run.pretrained = True
    run.save()


class ImitationRun:
    """A DAgger run's directory (jaco_prog.run_dir's lifecycle): the student, its optimiser, the counters,
    iterations.csv and the checkpoint, which has the format of training runs (`score`, `train --mode finetune`
    and the policy node read it)."""

    def __init__(self, cfg: ImitationConfig, folder: RunDirectory, net: ProgressiveNet,
                 optimizer: torch.optim.Optimizer, counters: dict | None = None):
        self.cfg, self.folder, self.net, self.optimizer = cfg, folder, net, optimizer
        counters = folder.counters() if counters is None else counters
        self.iteration = counters.get("iteration", 0)
        self.env_steps = counters.get("global_step", 0)
        self.wall = counters.get("wall_time_s", 0.0)
        self.pretrained = counters.get("pretrained", False)

    @classmethod
    def open(cls, cfg: ImitationConfig, path: Path, resume: bool) -> "ImitationRun":
        folder = RunDirectory.open(path, resume, hint="pass --resume to continue it or choose another")
        net = build_student(cfg)
        optimizer = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=cfg.lr)
        data = folder.resumed
        counters = None
        if data is not None:
            net.load_state_dict(data["model"])
            optimizer.load_state_dict(data["optimizer"])
        elif cfg.init_from:
            counters = continue_from(cfg.init_from, net, optimizer, cfg.lr)
        folder.begin({"imitation": asdict(cfg)})
        previous = (data or {}).get("imitation")
        iteration = folder.counters().get("iteration", 0)
        if previous and previous != asdict(cfg):  # keep what iterations 1..iteration ran with
            folder.write(f"config.until-iteration-{iteration}.yaml", {"imitation": previous})
        return cls(cfg, folder, net, optimizer, counters)

    def finish_iteration(self, beta: float, episodes: list[EpisodeData], stats: dict, dataset_frames: int,
                         seconds: float) -> dict:
        """Count the iteration, append its row to iterations.csv and save the checkpoint."""
        self.iteration += 1
        self.env_steps += sum(len(e) for e in episodes)
        self.wall += seconds
        alone = [e.ret for e in episodes if e.student_only]
        row = {"iteration": self.iteration, "env_steps": self.env_steps, "beta": round(beta, 4),
               "episodes": len(episodes), "mean_return": float(np.mean([e.ret for e in episodes])),
               "student_episodes": len(alone), "student_mean_return": float(np.mean(alone)) if alone else math.nan,
               "dataset_frames": dataset_frames, "wall_time_s": round(self.wall, 1),
               **{k: stats.get(k, math.nan) for k in ("policy_nll", "value_loss", "teacher_agreement", "aux_loss")}}
        log_path = self.folder.path / ITERATIONS_CSV
        new_log = not log_path.exists()
        with open(log_path, "a", newline="") as log:
            writer = csv.DictWriter(log, FIELDS)
            if new_log:
                writer.writeheader()
            writer.writerow(row)
        self.save()
        return row

    def save(self) -> None:
        self.folder.save({
            "spec": self.net.spec.to_dict(), "model": self.net.state_dict(), "optimizer": self.optimizer.state_dict(),
            "counters": {"global_step": self.env_steps, "iteration": self.iteration, "wall_time_s": self.wall,
                         "pretrained": self.pretrained},
            "imitation": asdict(self.cfg)})


def continue_from(path: str, net: ProgressiveNet, optimizer: torch.optim.Optimizer, lr: float) -> dict:
    """The student takes over the weights (and, from an imitation run, the optimiser's moments) of
    the first-column checkpoint `path`; the counters a new run starts with: its env steps and wall time, which
    count towards the column's budget, and `pretrained`, since the encoder already is. The net must be this
    run's (same columns, same robot joints, same image); the task may differ, say in its joint speeds."""
    from jaco_prog.nets.checkpoint import CheckpointError, net_from_checkpoint, read_checkpoint

    data = read_checkpoint(path)
    _, theirs = net_from_checkpoint(data, str(path))
    ours = net.spec
    if list(theirs.profile["joint_names"]) != list(ours.profile["joint_names"]):
        raise CheckpointError(f"{path} was trained for robot profile {theirs.profile.get('name')!r}; this run's is "
                              f"{ours.profile.get('name')!r}")
    mine = {k: v for k, v in ours.to_dict().items() if k != "profile"}
    other = {k: v for k, v in theirs.to_dict().items() if k != "profile"}
    if mine != other:
        differ = sorted(k for k in mine if mine[k] != other.get(k))
        raise CheckpointError(f"{path} is another net than this run's (its {', '.join(differ)} differ): "
                              "--init-from takes a first column of the same size, core and heads")
    net.load_state_dict(data["model"])
    if data.get("optimizer") and data.get("imitation"):  # Adam's moments; a training run's are RMSprop's
        optimizer.load_state_dict(data["optimizer"])
        for group in optimizer.param_groups:
            group["lr"] = lr  # the checkpoint's own rate came with its state
    counters = data.get("counters") or {}
    return {"global_step": int(counters.get("global_step", 0)), "wall_time_s": float(counters.get("wall_time_s", 0.0)),
            "iteration": 0, "pretrained": True}


def read_iterations(run_dir: str | Path) -> list[dict[str, str]]:
    """RUN/iterations.csv, one dict per DAgger iteration ([] without the file)."""
    path = Path(run_dir) / ITERATIONS_CSV
    if not path.is_file():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def student_curve(run_dir: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """From RUN/iterations.csv: env steps and the mean return of the episodes the student drove alone, per
    iteration (iterations whose episodes the teacher drove all are skipped) - a DAgger run's learning curve."""
    rows = [row for row in read_iterations(run_dir) if int(row["student_episodes"]) > 0]
    return (np.array([float(row["env_steps"]) for row in rows]),
            np.array([float(row["student_mean_return"]) for row in rows]))
