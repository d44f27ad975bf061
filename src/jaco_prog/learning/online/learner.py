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

"""OnlineLearner: n-step A2C on one stream of transitions, as the graph's loop produces them.

It is the policy loop's actor (reset() at each episode start, act(obs) each policy tick) and is told the rest
as it happens: credit(reward) the reward of the latest action (the episode manager's rule: the reward seen on
the next tick), end_episode(final_obs, terminated) at each episode's end, discard_episode() for an episode
whose reward went missing. Transitions are cut into segments of n_steps, exactly as `jaco-prog train --algo
a2c --envs 1` cuts its env's stream: a segment runs across episode ends (the recurrent state is zeroed where
an episode starts), a time-limit end (the 50-step limit, `truncated`) adds gamma * V(final observation) to its
last reward, a terminal one (a safety stop) bootstraps nothing, and an unfinished segment bootstraps from the
value of the observation that follows it. The update is the same code as the env path's
(learning.rollout.n_step_loss, clip_and_step, begin_update for a value warm-up).

Two nets: the trained one (only the update touches it) and an acting copy that the loop runs under no_grad.
New weights of the trainable column reach the acting copy only between segments, so every segment is acted
by one set of weights. With background=True the updates run in a thread beside the loop (a segment is handed
over through a queue; the loop never waits for an update), and a segment is acted by the weights of one
or two updates before the one it feeds, as an A3C worker's is. With background=False each update runs in the
call that completes its segment, before the next action: the stream is then exactly the env path's A2C, which
the in-process runner uses when the sim clock can wait (`jaco-prog run --sim --learn`).

The run directory is a `jaco-prog train` run directory (learning.train.Run, RunLogger): checkpoint.pt written
atomically at step 0, every checkpoint_every steps and at close (episodes.csv flushed and synced first),
config.yaml, episodes.csv, tensorboard/, resumes.csv. `open_online_run` resumes a directory that holds a
checkpoint of the same net and configuration, and refuses, in one line and before writing anything, a
directory of another net or one that is not a run.
"""
from __future__ import annotations

import copy
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

from jaco_prog.config import load_yaml
from jaco_prog.errors import UserError
from jaco_prog.learning.config import VALUES_BEFORE_FIELD_EXISTED, TrainConfig
from jaco_prog.learning.logger import RunLogger
from jaco_prog.learning.optimizer import begin_update, value_warmup_parameters
from jaco_prog.learning.rollout import Episode, clip_and_step, n_step_loss
from jaco_prog.learning.train import Run, net_and_optimizer
from jaco_prog.nets.checkpoint import net_from_checkpoint, read_checkpoint
from jaco_prog.nets.progressive import ProgressiveNet
from jaco_prog.run_dir import RunDirectory

# One robot is one stream: the learner is A2C over a single environment, whatever the configuration files say.
SINGLE_ROBOT = {"algo": "a2c", "envs": 1}
# Fields a continued run may change; every other field must be the run's own (its checkpointed configuration).
MAY_CHANGE_ON_RESUME = ("total_steps", "run_dir", "progress", "log_every", "checkpoint_every", "from_checkpoint",
                        "workers", "envs_per_worker", "threads")
UPDATE_TIMES_KEPT = 1000  # update durations kept for the status percentiles


# --- configuration and the run directory ------------------------------------------------------------------
def online_config(learner_train: dict, files: list | tuple = (), overrides: dict | None = None,
                  default_from: str | None = None) -> TrainConfig:
    """TrainConfig for an online run. Precedence, lowest first: TrainConfig's defaults, config/train.yaml,
    runtime.yaml learner.train, each YAML file in `files`, `overrides` (None values skipped); then SINGLE_ROBOT.
    default_from: the start checkpoint of a progressive or finetune run that names none."""
    from jaco_prog.paths import config_path

    data = TrainConfig().to_dict()
    layers = [(config_path("train.yaml").name, load_yaml(config_path("train.yaml"))),
              ("runtime.yaml: learner.train", learner_train)]
    layers += [(str(path), load_yaml(path)) for path in files]
    for where, raw in layers:
        raw = dict(raw or {})
        checked = TrainConfig.from_dict({**data, **raw}, where)  # key names and types, named by their file
        data.update({k: getattr(checked, k) for k in raw})
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    data.update(SINGLE_ROBOT)
    if data["mode"] != "scratch" and not data["from_checkpoint"]:
        data["from_checkpoint"] = default_from
    cfg = TrainConfig.from_dict(data)
    cfg.validate()
    if cfg.asymmetric_critic or cfg.aux_target:
        raise UserError("online learning has no simulator state: asymmetric_critic and aux_target must be false "
                        "(they feed a critic and a target head with privileged sim state)")
    if not cfg.run_dir:
        raise UserError("online learning needs a run directory (run_dir): a new one, or one to resume")
    return cfg


def graph_probe(profile, image_size: int):
    """What train.build_net and check_env_matches read of an env (its observation space and robot profile),
    for the graph's inputs: a square RGB image of `image_size` and proprio = joint positions then velocities."""
    from gymnasium import spaces

    n = len(profile.joint_names)
    space = spaces.Dict({"pixels": spaces.Box(0, 255, (image_size, image_size, 3), np.uint8),
                         "proprio": spaces.Box(-np.inf, np.inf, (2 * n,), np.float32)})
    return SimpleNamespace(observation_space=space, unwrapped=SimpleNamespace(profile=profile))


def open_online_run(cfg: TrainConfig, profile, image_size: int) -> tuple[Run, bool]:
    """The run in cfg.run_dir: resumed if it holds a checkpoint of this net and configuration, else a new one
    (the directory must then be new or empty). Returns (run, resumed). Every check reads; nothing in the
    directory is written or removed until all of them passed, so a refused launch leaves an existing run as it
    was. A new run writes its step-0 checkpoint at once: it can be resumed from the first second."""
    run_dir = Path(cfg.run_dir)
    probe = graph_probe(profile, image_size)
    folder = RunDirectory.open(run_dir, resume=None, hint="choose a new or empty run_dir")
    resumed = folder.resumed is not None
    if resumed:
        data, checkpoint = folder.resumed, folder.checkpoint
        stored = _stored_config(data, checkpoint)
        different = [f.name for f in fields(TrainConfig) if f.name not in MAY_CHANGE_ON_RESUME
                     and getattr(stored, f.name) != getattr(cfg, f.name)]
        if different:
            asked = ", ".join(f"{k} {getattr(cfg, k)!r}" for k in different)
            was = ", ".join(f"{k} {getattr(stored, k)!r}" for k in different)
            raise UserError(f"run_dir {run_dir} holds a run of another configuration ({was}; this launch asks "
                            f"for {asked}): resume it with its own settings or choose another run_dir")
    net, optimizer = net_and_optimizer(cfg, folder, probe)
    if resumed and cfg.mode != "scratch":
        _check_same_start(net, cfg, run_dir)
    folder.begin(cfg.to_dict())
    run = Run(cfg, folder, net, optimizer, folder.counters())
    run.logger = RunLogger(run_dir, cfg.total_steps, run.global_step, cfg.progress)
    if not resumed:
        run.save()
    return run, resumed


def _stored_config(data: dict, where: Path) -> TrainConfig:
    config = {**VALUES_BEFORE_FIELD_EXISTED, **(data.get("config") or {})}
    return TrainConfig.from_dict(config, f"{where}: config")


def _check_same_start(net: ProgressiveNet, cfg: TrainConfig, run_dir: Path) -> None:
    """The run's frozen columns are the start checkpoint's (progressive: all its columns; finetune: all but
    its last, which the run trains): a run grown from another column 1 is another net."""
    source, _ = net_from_checkpoint(read_checkpoint(cfg.from_checkpoint), str(cfg.from_checkpoint))
    expected = list(source.columns) if cfg.mode == "progressive" else list(source.columns[:-1])
    frozen = net.frozen_columns
    same = len(frozen) == len(expected) and all(_same_weights(a, b) for a, b in zip(frozen, expected))
    if not same:
        raise UserError(f"run_dir {run_dir} holds a net grown from other weights than {cfg.from_checkpoint} "
                        f"({len(frozen)} frozen column(s) that differ from it): resume it from its own "
                        "checkpoint or choose another run_dir")


def _same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(sa[k].shape == sb[k].shape and torch.equal(sa[k], sb[k]) for k in sa)


# --- the stream -------------------------------------------------------------------------------------------
@dataclass
class _Segment:
    """Up to n_steps transitions of the stream and what the update needs with them."""
    start_state: torch.Tensor | None = None  # recurrent state before the first action
    inputs: list = field(default_factory=list)  # per action: {key: 1 x ...}
    actions: list = field(default_factory=list)  # per action: 1 x joints
    rewards: list = field(default_factory=list)  # per action: float (credited on the next tick)
    dones: list = field(default_factory=list)  # per action: 1.0 where an episode ended
    values: list = field(default_factory=list)  # per action: V(s_t) as acted (a truncation without a frame)
    episodes: list = field(default_factory=list)  # Episode records of the episodes that ended in it
    awaiting_reward: bool = False
    bootstrap: torch.Tensor | None = None

    def __len__(self) -> int:
        return len(self.actions)

    def truncate(self, length: int) -> None:
        for name in ("inputs", "actions", "rewards", "dones", "values"):
            del getattr(self, name)[length:]
        self.awaiting_reward = False


@dataclass
class _EpisodeSoFar:
    start: int | None  # index of its first action in the current segment; None: in an earlier segment
    ret: float = 0.0
    length: int = 0


class OnlineLearner:
    def __init__(self, run: Run, background: bool = True):
        self.run, self.cfg = run, run.cfg
        self.net = run.net.train()  # trained by the updates only
        self.acting = copy.deepcopy(run.net).train()  # what the loop runs; new weights between segments
        self.keys = self.net.spec.observation_keys
        # as the env path's A2C: a resumed run continues with fresh random draws
        self.generator = torch.Generator().manual_seed(self.cfg.seed + 7919 * run.global_step)
        self.state = self.acting.initial_state(1)
        self.warmup_params = value_warmup_parameters(self.net)
        self.background = background
        self._segment = _Segment()
        self._episode: _EpisodeSoFar | None = None
        self._handed_steps = run.global_step  # steps handed to updates (done or queued)
        self._posted: tuple[int, dict] | None = None  # (version, trainable column weights) from the updates
        self._acting_version = 0
        self._version = 0
        self.update_ms: deque = deque(maxlen=UPDATE_TIMES_KEPT)
        self.discarded_episodes = 0
        self.missed_credits = 0
        self.error: BaseException | None = None
        self._closed = False
        self._queue: queue.Queue = queue.Queue()
        self._thread = None
        if background:
            self._thread = threading.Thread(target=self._work, name="online-learner", daemon=True)
            self._thread.start()

    # --- counters ----------------------------------------------------------------------------------------
    @property
    def global_step(self) -> int:
        """Steps the updates have consumed (the checkpoint's count)."""
        return self.run.global_step

    @property
    def done(self) -> bool:
        """The step budget (total_steps) is handed to updates: no more transitions are learnt from."""
        return self._handed_steps >= self.cfg.total_steps

    @property
    def queued(self) -> int:
        return self._queue.qsize()

    def status(self) -> dict:
        """For the policy node's diagnostics and the in-process summary."""
        times = np.asarray(self.update_ms) if self.update_ms else None
        return {"steps": self.run.global_step, "total_steps": self.cfg.total_steps, "updates": self.run.updates,
                "episodes": self.run.episodes, "queued": self.queued, "done": self.done,
                "update_ms_p50": float(np.percentile(times, 50)) if times is not None else None,
                "update_ms_max": float(times.max()) if times is not None else None,
                "discarded_episodes": self.discarded_episodes, "run_dir": str(self.run.run_dir)}

    # --- the actor ---------------------------------------------------------------------------------------
    def reset(self) -> None:
        """An episode starts (the loop's 'start n'): zero recurrent state."""
        self._check()
        if self._episode is not None and self._episode.length:
            self.end_episode(None, terminated=True)  # an episode nobody ended: end it where it stopped
        self.state = self.acting.initial_state(1)
        self._episode = _EpisodeSoFar(start=len(self._segment))

    def act(self, obs: dict) -> np.ndarray:
        """Sample an action for `obs` (the loop's input: pixels 64x64x3 uint8, proprio q then qdot)."""
        self._check()
        if self._episode is None:
            self.reset()
        if self._segment.awaiting_reward:  # the previous action was never credited: it earned nothing
            self.credit(0.0)
            self.missed_credits += 1
        batch = self._batch(obs)
        with torch.no_grad():
            out = None
            if len(self._segment) >= self.cfg.n_steps:  # the full segment waited for V(s_{t+n}): this one
                out = self.acting(batch, self.state)
                self._hand_off(out.value)
            if not len(self._segment) and self._take_new_weights():
                out = None  # act with the new weights (the bootstrap above used the ones that acted)
            if out is None:
                out = self.acting(batch, self.state)
            probs = torch.softmax(out.logits, dim=-1)  # 1 x joints x 3
            actions = torch.multinomial(probs.reshape(-1, probs.shape[-1]), 1, generator=self.generator)
            actions = actions.reshape(1, -1)
        segment = self._segment
        if not len(segment):
            segment.start_state = self.state
        segment.inputs.append(batch)
        segment.actions.append(actions)
        segment.rewards.append(0.0)
        segment.dones.append(0.0)
        segment.values.append(out.value.numpy()[0])
        segment.awaiting_reward = True
        self.state = out.state
        self._episode.length += 1
        return actions[0].numpy().astype(np.int64)

    def credit(self, reward: float) -> None:
        """The reward of the latest action."""
        segment = self._segment
        if not segment.awaiting_reward or self._episode is None:
            return
        segment.rewards[-1] = float(reward)
        segment.awaiting_reward = False
        self._episode.ret += float(reward)

    def end_episode(self, final_obs: dict | None, terminated: bool) -> None:
        """The running episode ended: terminated (a safety stop or an e-stop: nothing follows it) or truncated
        (the step limit: V(final_obs) is added to the last reward; without a frame, the last acted value)."""
        episode, segment = self._episode, self._segment
        self._episode = None
        if episode is None or not episode.length:
            return
        if segment.awaiting_reward:  # ended before its last reward came (an abort): that step earned nothing
            self.credit(0.0)
        if len(segment):  # its last action is in this segment unless the segment was just handed off
            segment.dones[-1] = 1.0
            if not terminated:
                if final_obs is not None:
                    with torch.no_grad():
                        value = self.acting(self._batch(final_obs), self.state).value.numpy()[0]
                else:
                    value = segment.values[-1]
                # in float32, as the env path's rollout adds it (the two streams then match to the bit)
                segment.rewards[-1] = np.float32(segment.rewards[-1]) + self.cfg.gamma * np.float32(value)
            segment.episodes.append(Episode(0, episode.ret, episode.length, episode.ret > 0, bool(terminated)))
        self.state = self.acting.initial_state(1)
        if len(segment) >= self.cfg.n_steps:  # complete: its last step is an episode's end, nothing to bootstrap
            self._hand_off(torch.zeros(1))
            self._take_new_weights()

    def discard_episode(self) -> None:
        """Forget the running episode's transitions still in the current segment (its reward went missing, so
        they have none); earlier segments were learnt from already, with rewards. It is not logged or counted."""
        episode = self._episode
        self._episode = None
        if episode is None:
            return
        if episode.start is None:
            self._segment = _Segment()
        else:
            self._segment.truncate(episode.start)
        self.state = self.acting.initial_state(1)
        self.discarded_episodes += 1

    # --- updates -----------------------------------------------------------------------------------------
    def _batch(self, obs: dict) -> dict[str, torch.Tensor]:
        return {key: torch.from_numpy(np.ascontiguousarray(obs[key]))[None] for key in self.keys}

    def _hand_off(self, bootstrap: torch.Tensor) -> None:
        segment = self._segment
        self._segment = _Segment()
        if self._episode is not None:
            self._episode.start = None
        if self.done:  # the budget is spent: drop it
            return
        segment.bootstrap = bootstrap.detach().reshape(1)
        self._handed_steps += len(segment)
        if self.background:
            self._queue.put(segment)
        else:
            self._update(segment)

    @torch.enable_grad()  # inline, the update runs inside the acting call's no_grad
    def _update(self, segment: _Segment) -> None:
        t0 = time.perf_counter()
        cfg, run = self.cfg, self.run
        warmup = begin_update(run.optimizer, cfg, run.global_step)
        rewards = [torch.tensor([r], dtype=torch.float32) for r in segment.rewards]  # float32, as np.float32 sums
        dones = [torch.tensor([d], dtype=torch.float32) for d in segment.dones]
        loss, stats = n_step_loss(self.net, cfg, segment.inputs, segment.start_state, segment.actions, rewards,
                                  dones, segment.bootstrap, value_only=warmup)
        stats["grad_norm"] = clip_and_step(self.net, run.optimizer, loss, cfg.max_grad_norm,
                                           self.warmup_params if warmup else None)
        weights = {k: v.detach().clone() for k, v in self.net.trainable_column.state_dict().items()}
        self._version += 1
        self._posted = (self._version, weights)  # one reference: the loop takes it whole or not at all
        elapsed = (time.perf_counter() - t0) * 1000
        self.update_ms.append(elapsed)
        stats["perf/update_ms"] = elapsed
        run.record(run.global_step + len(segment), stats, segment.episodes)
        if run.global_step >= cfg.total_steps:
            run.save()

    def _take_new_weights(self) -> bool:
        posted = self._posted
        if posted is None or posted[0] == self._acting_version:
            return False
        version, weights = posted
        self.acting.trainable_column.load_state_dict(weights)
        self._acting_version = version
        return True

    def _work(self) -> None:
        torch.set_num_threads(self.cfg.threads)
        while True:
            segment = self._queue.get()
            if segment is None:
                return
            try:
                self._update(segment)
            except BaseException as err:  # noqa: BLE001 - re-raised in the loop's thread by _check
                self.error = err
                return

    def _check(self) -> None:
        if self.error is not None:
            raise RuntimeError(f"the online learner's update failed: {type(self.error).__name__}: "
                               f"{self.error}") from self.error

    def close(self, save: bool = True) -> Path | None:
        """Finish the queued updates, write the final checkpoint (episodes.csv flushed first), close the logs.
        Returns the checkpoint's path (None when an update had failed: the last good checkpoint stays)."""
        if self._closed:
            return None
        self._closed = True
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
        path = None
        if save and self.error is None:
            path = self.run.save()
        self.run.logger.close()
        return path
