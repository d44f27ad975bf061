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

"""A3C (Mnih et al. 2016): `workers` processes, each with its own envs, update one shared net asynchronously.

Hogwild: the net's parameters and the optimiser's statistics live in shared memory and workers write them
without locks. Each worker copies the shared trainable column into a local net before a rollout (so one
rollout sees one set of weights), computes gradients locally, points the shared parameters' gradients at
them and steps the shared optimiser. Each worker runs one torch thread so N workers use N cores.

A worker steps `envs_per_worker` envs in lockstep (the A3C paper used one): its acting forward then runs on a
batch and its update on T x envs_per_worker frames, which is what makes a worker's net cost small next to
rendering on a CPU (docs/training.md has the measurement). Updates stay asynchronous and lock-free.

The main process only coordinates: it reads results from a queue, logs them, writes checkpoints (a
snapshot of the shared memory: with Hogwild it can mix two workers' updates, which is harmless), and on
SIGINT/SIGTERM tells the workers to stop after their current rollout. Workers ignore those signals, so a
Ctrl-C in the terminal (sent to the whole process group) is handled once, by the main process.
"""
from __future__ import annotations

import os
import queue as queue_module
import signal
import traceback

import torch
import torch.multiprocessing as mp

from jaco_prog.learning.config import TrainConfig
from jaco_prog.learning.envs import make_training_env
from jaco_prog.learning.optimizer import (attach_shared_state, begin_update, make_optimizer, share_state,
                                          trainable_parameters, value_warmup_parameters)
from jaco_prog.learning.rollout import RolloutRunner, keep_gradients
from jaco_prog.nets.progressive import ProgressiveNet
from jaco_prog.nets.spec import NetSpec

POLL_SECONDS = 0.5


def worker(rank: int, cfg_dict: dict, spec_dict: dict, shared_net: ProgressiveNet, shared_state: list,
           global_step, stop, results, seed: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    parent = os.getppid()
    envs = []
    try:
        cfg = TrainConfig.from_dict(cfg_dict)
        local_net = ProgressiveNet(NetSpec.from_dict(spec_dict))
        local_net.load_state_dict(shared_net.state_dict())  # frozen columns never change: copied once
        local_net.train()
        local_params, shared_params = trainable_parameters(local_net), trainable_parameters(shared_net)
        warmup_params = value_warmup_parameters(local_net)
        optimizer = make_optimizer(shared_params, cfg)
        attach_shared_state(optimizer, shared_state)
        envs = [make_training_env(cfg.task, cfg.preset, seed + i) for i in range(cfg.envs_per_worker)]
        runner = RolloutRunner(envs, local_net.spec.observation_keys, cfg, local_net, worker=rank, seed=seed)
        while not stop.is_set() and os.getppid() == parent:
            # one read decides both, so a rollout begun inside the warm-up and the budget stays a warm-up one
            # even if another worker's update ends the warm-up meanwhile
            start_step = global_step.value
            if start_step >= cfg.total_steps:
                break
            with torch.no_grad():
                for local, shared in zip(local_params, shared_params):
                    local.copy_(shared)
            warmup = begin_update(optimizer, cfg, start_step)
            rollout = runner.collect(local_net, value_only=warmup)
            for p in local_params:
                p.grad = None
            rollout.loss.backward()
            stepped = keep_gradients(local_params, warmup_params) if warmup else local_params
            rollout.stats["grad_norm"] = float(torch.nn.utils.clip_grad_norm_(stepped, cfg.max_grad_norm))
            for local, shared in zip(local_params, shared_params):
                shared.grad = local.grad
            optimizer.step()
            with global_step.get_lock():
                global_step.value += rollout.steps
                step = global_step.value
            results.put(("rollout", rank, step, rollout.stats, rollout.episodes))
    except Exception:  # noqa: BLE001 - reported to the main process, which raises it
        results.put(("error", rank, traceback.format_exc()))
    finally:
        for env in envs:
            env.close()
        results.put(("exit", rank))


def train_a3c(run) -> None:
    cfg, net = run.cfg, run.net
    ctx = mp.get_context("spawn")  # no fork: MuJoCo's GL contexts and OpenMP do not survive one
    for p in net.parameters():
        p.grad = None  # gradients must stay per process, so none may exist when the memory is shared
    net.share_memory()
    shared_state = share_state(run.optimizer)
    global_step = ctx.Value("q", run.global_step)
    stop = ctx.Event()
    results = ctx.Queue()
    base_seed = cfg.seed + 7919 * run.global_step  # a resumed run does not replay the same episodes
    processes = [ctx.Process(target=worker, name=f"a3c-worker-{rank}", daemon=True,
                             args=(rank, cfg.to_dict(), net.spec.to_dict(), net, shared_state, global_step, stop,
                                   results, base_seed + 1000 * rank))
                 for rank in range(cfg.workers)]
    for process in processes:
        process.start()
    running, error = set(range(cfg.workers)), None
    try:
        while running:
            if run.stop_requested or error:
                stop.set()
            try:
                message = results.get(timeout=POLL_SECONDS)
            except queue_module.Empty:
                for rank in list(running):
                    if not processes[rank].is_alive():  # died without a word (killed, out of memory)
                        running.discard(rank)
                        error = error or f"A3C worker {rank} died (exit code {processes[rank].exitcode})"
                continue
            kind, rank = message[0], message[1]
            if kind == "rollout":
                _, _, step, stats, episodes = message
                run.record(step, stats, episodes)
            elif kind == "error":
                error = error or f"A3C worker {rank} failed:\n{message[2]}"
            elif kind == "exit":
                running.discard(rank)
    finally:
        stop.set()
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
                process.join()
        run.global_step = max(run.global_step, global_step.value)
    if error:
        raise RuntimeError(error)
