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

"""A2C/A3C on the toy task: learning, modes, checkpoints, resume after a kill, CLI, plots."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from jaco_prog import cli
from jaco_prog.config import ConfigError
from jaco_prog.learning import TrainConfig, load_run_config, load_train_config, train
from jaco_prog.learning.episode_log import read_episodes, read_resumes
from jaco_prog.learning.toy import ToyReachEnv
from jaco_prog.learning.train import build_net, prepare_run
from jaco_prog.nets import CheckpointError, ColumnSpec, Policy, ProgressiveNet, read_checkpoint, save_checkpoint
from jaco_prog.nets.spec import spec_for_env

# The toy task rewards the fraction of joints whose action matches the lit cell; a proprio column learns it
# in a few thousand updates, which keeps these tests to seconds.
FAST = dict(task="toy", inputs="proprio", arch="ff", column="wide", optimizer="adam", lr=3e-3, gamma=0.5,
            entropy_coef=0.01, n_steps=5, progress=False)


def mean_return(env, act, episodes: int = 30) -> float:
    total = 0.0
    for _ in range(episodes):
        obs, _ = env.reset()
        done = False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(act(obs))
            total += reward
            done = terminated or truncated
    return total / episodes


def random_and_trained_returns(run_dir: Path) -> tuple[float, float]:
    env = ToyReachEnv()
    env.reset(seed=12345)
    random_return = mean_return(env, lambda obs: env.action_space.sample())
    policy = Policy.from_checkpoint(run_dir)
    return random_return, mean_return(env, policy.act)


def test_bad_configuration_is_refused_with_the_field_name(tmp_path):
    with pytest.raises(ConfigError, match="algo"):
        load_train_config([], {"algo": "ppo"})
    with pytest.raises(ConfigError, match="from_checkpoint"):
        load_train_config([], {"mode": "progressive"})
    for name in ("n_steps", "envs", "total_steps"):
        with pytest.raises(ConfigError, match=f"{name}: must be a positive integer"):
            load_train_config([], {name: 0})
    (tmp_path / "bad.yaml").write_text("lr: 3e-4\n")  # YAML 1.1 reads this as a string
    with pytest.raises(ConfigError, match="bad.yaml: lr"):
        load_train_config([tmp_path / "bad.yaml"])
    (tmp_path / "typo.yaml").write_text("learning_rate: 0.1\n")
    with pytest.raises(ConfigError, match="unknown key"):
        load_train_config([tmp_path / "typo.yaml"])


def test_a2c_learns_the_toy_task(tmp_path):
    run_dir = train(TrainConfig(**FAST, algo="a2c", envs=16, total_steps=30_000, run_dir=str(tmp_path / "a2c")))
    random_return, trained_return = random_and_trained_returns(run_dir)
    assert random_return == pytest.approx(10 / 3, abs=0.6)  # 10 steps, 1/3 of the joints right by chance
    assert trained_return > random_return + 1.5
    episodes = read_episodes(run_dir)
    assert np.mean(episodes["return"][-100:]) > np.mean(episodes["return"][:100]) + 1.0


def test_a3c_learns_the_toy_task_with_two_workers(tmp_path):
    run_dir = train(TrainConfig(**FAST, algo="a3c", workers=2, total_steps=20_000, run_dir=str(tmp_path / "a3c")))
    random_return, trained_return = random_and_trained_returns(run_dir)
    assert trained_return > random_return + 1.5
    episodes = read_episodes(run_dir)
    assert set(episodes["worker"]) == {0.0, 1.0}
    assert read_checkpoint(run_dir)["counters"]["global_step"] >= 20_000


def test_resume_continues_counters_weights_and_optimiser(tmp_path):
    run_dir = tmp_path / "run"
    train(TrainConfig(**FAST, algo="a2c", envs=4, total_steps=1_000, checkpoint_every=400, run_dir=str(run_dir)))
    first = read_checkpoint(run_dir)
    assert first["counters"]["global_step"] == 1_000

    run = prepare_run(load_run_config(run_dir, total_steps=2_000), resume=True)
    assert run.global_step == 1_000 and run.episodes == first["counters"]["episodes"]
    for name, value in run.net.state_dict().items():
        assert torch.equal(value, first["model"][name])
    assert run.optimizer.state_dict()["state"][0]["step"] == first["optimizer"]["state"][0]["step"] > 0

    with pytest.raises(Exception, match="already exists"):
        train(TrainConfig(**FAST, algo="a2c", total_steps=2_000, run_dir=str(run_dir)))
    train(load_run_config(run_dir, total_steps=2_000), resume=True)
    second = read_checkpoint(run_dir)
    assert second["counters"]["global_step"] == 2_000
    assert second["counters"]["updates"] == 2 * first["counters"]["updates"]
    steps = read_episodes(run_dir)["global_step"]
    assert steps == sorted(steps) and steps[-1] <= 2_000
    # its environments restarted at 1000: recorded, so a report can say this run is not an uninterrupted one
    assert read_resumes(run_dir) == [1_000]
    train(load_run_config(run_dir, total_steps=2_400), resume=True)
    assert read_resumes(run_dir) == [1_000, 2_000]
    assert read_resumes(tmp_path / "never-resumed") == []


def test_bias_corrected_rmsprop_first_steps_are_lr_sized_not_ten_times_lr():
    from jaco_prog.learning.optimizer import make_optimizer

    def first_steps(**cfg_fields) -> np.ndarray:
        torch.manual_seed(0)
        weight = torch.nn.Parameter(torch.zeros(1000))
        optimizer = make_optimizer([weight], TrainConfig(lr=1e-3, optimizer="rmsprop", **cfg_fields))
        sizes = []
        for _ in range(3):
            before = weight.detach().clone()
            weight.grad = torch.randn(1000)
            optimizer.step()
            sizes.append(float((weight.detach() - before).abs().mean()))
        return np.array(sizes)

    cold = first_steps(rmsprop_bias_correction=False)
    corrected = first_steps(rmsprop_bias_correction=True)
    assert cold[0] == pytest.approx(1e-2, rel=0.01)           # lr / sqrt(1 - alpha): what wrecked finetuning
    assert np.all(corrected < 1.5e-3) and corrected[0] == pytest.approx(1e-3, rel=0.01)
    assert TrainConfig().rmsprop_bias_correction is True  # on for new runs


@pytest.mark.parametrize("mode,bias_correction", [("progressive", True), ("finetune", True),
                                                  ("progressive", False)])
def test_output_lr_scale_moves_the_newest_columns_output_layer_that_many_times_further(tmp_path, mode,
                                                                                       bias_correction):
    """The same net, batch and gradients: with output_lr_scale 10 the first RMSprop step moves the trainable
    column's output layer (its logits and value) 10x as far as with 1, and every other parameter as far."""
    from jaco_prog.learning.envs import make_training_env
    from jaco_prog.learning.optimizer import begin_update, make_optimizer, parameter_groups
    from jaco_prog.learning.rollout import RolloutRunner, clip_and_step

    first = train(TrainConfig(**FAST, algo="a2c", envs=2, total_steps=100, run_dir=str(tmp_path / "first")))

    def first_step(scale: float) -> dict[str, torch.Tensor]:
        cfg = TrainConfig(**{**FAST, "optimizer": "rmsprop"}, rmsprop_bias_correction=bias_correction, algo="a2c",
                          envs=2, mode=mode, from_checkpoint=str(first), output_lr_scale=scale)
        cfg.validate()
        torch.manual_seed(0)
        net = build_net(cfg, ToyReachEnv())
        optimizer = make_optimizer(parameter_groups(net, cfg), cfg)
        runner = RolloutRunner([make_training_env("toy", None, i) for i in range(2)], net.spec.observation_keys,
                               cfg, net, seed=0)
        before = {name: p.detach().clone() for name, p in net.named_parameters() if p.requires_grad}
        begin_update(optimizer, cfg, 0)
        clip_and_step(net, optimizer, runner.collect(net).loss, cfg.max_grad_norm)
        return {name: p.detach() - before[name] for name, p in net.named_parameters() if p.requires_grad}

    plain, scaled = first_step(1.0), first_step(10.0)
    output = f"columns.{1 if mode == 'progressive' else 0}.output."
    assert {name for name in plain if name.startswith(output)} == {output + "weight", output + "bias"}
    for name, moved in plain.items():
        if name.startswith(output):
            assert moved.abs().sum() > 0, name
            torch.testing.assert_close(scaled[name], 10 * moved, rtol=1e-4, atol=1e-9)
        else:
            torch.testing.assert_close(scaled[name], moved, rtol=0, atol=0)
    assert any(moved.abs().sum() > 0 for name, moved in plain.items() if not name.startswith(output))

    # the groups come back with a resumed run; a scratch run (no column to start from) and A3C refuse it
    run_dir = tmp_path / "scaled"
    options = dict(FAST, algo="a2c", envs=2, mode=mode, from_checkpoint=str(first), output_lr_scale=10.0)
    train(TrainConfig(**options, total_steps=100, run_dir=str(run_dir)))
    run = prepare_run(load_run_config(run_dir, total_steps=200), resume=True)
    assert sorted(g.get("lr_scale", 1.0) for g in run.optimizer.param_groups).count(10.0) == 1
    for bad in ({"mode": "scratch", "from_checkpoint": None}, {"algo": "a3c"}):
        with pytest.raises(ConfigError, match="output_lr_scale"):
            TrainConfig(**{**options, **bad}).validate()


def test_linear_lr_schedule_anneals_every_group_to_zero_at_total_steps_and_holds_the_warmup_rate(tmp_path):
    from jaco_prog.learning.optimizer import begin_update, make_optimizer

    cfg = TrainConfig(**{**FAST, "lr": 1e-3}, algo="a2c", envs=2, total_steps=1_000, lr_schedule="linear",
                      value_warmup_steps=200, value_warmup_lr=5e-3)
    cfg.validate()
    weights = [torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(2))]
    optimizer = make_optimizer([{"params": [weights[0]], "lr": 1e-3, "lr_scale": 1.0},
                                {"params": [weights[1]], "lr": 1e-2, "lr_scale": 10.0}], cfg)

    def rates(step: int) -> list[float]:
        begin_update(optimizer, cfg, step)
        return [group["lr"] for group in optimizer.param_groups]

    assert rates(0) == pytest.approx([5e-3, 5e-2]) and rates(199) == pytest.approx([5e-3, 5e-2])  # warm-up
    assert rates(200) == pytest.approx([8e-4, 8e-3])
    assert rates(500) == pytest.approx([5e-4, 5e-3])
    assert rates(1_000) == [0.0, 0.0] and rates(1_100) == [0.0, 0.0]   # a run resumed past its end
    constant = TrainConfig(**{**FAST, "lr": 1e-3}, total_steps=1_000)
    begin_update(optimizer, constant, 900)
    assert [group["lr"] for group in optimizer.param_groups] == pytest.approx([1e-3, 1e-2])

    # a trained run ends near 0 and resumes on the schedule; an unknown schedule is refused by name
    run_dir = tmp_path / "annealed"
    train(TrainConfig(**FAST, algo="a2c", envs=2, total_steps=200, lr_schedule="linear", run_dir=str(run_dir)))
    run = prepare_run(load_run_config(run_dir), resume=True)
    assert run.cfg.lr_schedule == "linear"
    assert 0 < run.optimizer.param_groups[0]["lr"] <= FAST["lr"] * 10 / 200 * (1 + 1e-9)  # last update at 190
    with pytest.raises(ConfigError, match="lr_schedule"):
        load_train_config([], {"lr_schedule": "cosine"})


def test_a_run_checkpointed_before_bias_correction_resumes_on_plain_rmsprop(tmp_path):
    run_dir = tmp_path / "run"
    fast = {**FAST, "optimizer": "rmsprop"}
    train(TrainConfig(**fast, algo="a2c", envs=2, total_steps=200, run_dir=str(run_dir)))
    data = read_checkpoint(run_dir)
    del data["config"]["rmsprop_bias_correction"]   # as written by the code before the option existed
    save_checkpoint(run_dir / "checkpoint.pt", {k: v for k, v in data.items() if not k.startswith("format")})
    run = prepare_run(load_run_config(run_dir, total_steps=400), resume=True)
    assert isinstance(run.optimizer, torch.optim.RMSprop)


def test_killed_run_resumes_from_its_last_checkpoint(tmp_path):
    """SIGTERM: the run stops cleanly with a checkpoint. SIGKILL: the last interval checkpoint is whole."""
    run_dir = tmp_path / "run"
    command = [sys.executable, "-m", "jaco_prog.cli", "train", *cli_flags(FAST), "--algo", "a2c", "--envs", "2",
               "--steps", "100000000", "--checkpoint-every", "50", "--run-dir", str(run_dir)]
    for sig in (signal.SIGKILL, signal.SIGTERM):
        process = subprocess.Popen(command if sig == signal.SIGKILL else
                                   [*command[:4], "--run-dir", str(run_dir), "--resume", "--no-progress"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        before = wait_for_checkpoint_past(run_dir, 0 if sig == signal.SIGKILL else last_step(run_dir) + 500)
        process.send_signal(sig)
        _, err = process.communicate(timeout=60)
        assert process.returncode == (-signal.SIGKILL if sig == signal.SIGKILL else 0), err.decode()[-2000:]
        after = last_step(run_dir)  # readable: never a torn file
        assert after >= before
        if sig == signal.SIGTERM:  # a SIGKILL mid-save may leave a temporary; the resume removed it
            assert not [p for p in run_dir.iterdir() if p.name.endswith(".tmp")]
    command = [*command[:4], "--run-dir", str(run_dir), "--resume", "--steps", str(after + 200), "--no-progress"]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    assert last_step(run_dir) == after + 200


def cli_flags(options: dict) -> list[str]:
    flags = {"task": "--task", "inputs": "--inputs", "arch": "--arch", "column": "--column",
             "optimizer": "--optimizer", "lr": "--lr", "gamma": "--gamma", "entropy_coef": "--entropy-coef",
             "n_steps": "--n-steps"}
    out = [item for key, flag in flags.items() for item in (flag, str(options[key]))]
    return out + ["--no-progress"]


def last_step(run_dir: Path) -> int:
    return read_checkpoint(run_dir)["counters"]["global_step"]


def wait_for_checkpoint_past(run_dir: Path, step: int, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (run_dir / "checkpoint.pt").is_file():
            current = last_step(run_dir)
            if current > step:
                return current
        time.sleep(0.1)
    raise AssertionError(f"no checkpoint past step {step} in {timeout}s")


def test_progressive_mode_freezes_the_loaded_columns(tmp_path):
    first = train(TrainConfig(**FAST, algo="a2c", envs=4, total_steps=400, run_dir=str(tmp_path / "first")))
    options = {**FAST, "inputs": "pixels+proprio", "column": "narrow", "arch": "lstm"}
    second = train(TrainConfig(**options, algo="a2c", envs=4, total_steps=400, mode="progressive",
                               from_checkpoint=str(first), run_dir=str(tmp_path / "second")))
    old, new = read_checkpoint(first), read_checkpoint(second)
    assert [c["inputs"] for c in new["spec"]["columns"]] == ["proprio", "pixels+proprio"]
    for name, value in old["model"].items():
        assert torch.equal(new["model"][name], value), f"{name} changed in the frozen column"
    assert new["counters"]["global_step"] == 400  # a new run counts its own steps

    finetuned = train(TrainConfig(**FAST, algo="a2c", envs=4, total_steps=400, mode="finetune",
                                  from_checkpoint=str(first), run_dir=str(tmp_path / "finetuned")))
    tuned = read_checkpoint(finetuned)
    assert tuned["spec"] == old["spec"]
    assert any(not torch.equal(tuned["model"][k], v) for k, v in old["model"].items())


def policy_and_value_on(run_dir: Path, observations: dict) -> tuple[torch.Tensor, torch.Tensor]:
    from jaco_prog.nets.checkpoint import load_net
    net, _ = load_net(run_dir)
    net.eval()
    with torch.no_grad():
        out = net(observations, net.initial_state(len(observations["proprio"])))
    return torch.softmax(out.logits, dim=-1), out.value


@pytest.mark.parametrize("mode,algo,columns", [("progressive", "a2c", 1), ("finetune", "a2c", 1),
                                               ("finetune", "a3c", 1), ("finetune", "a2c", 2)])
def test_value_warmup_fits_the_value_and_leaves_the_policy_exactly_as_it_started(tmp_path, mode, algo, columns):
    first = train(TrainConfig(**FAST, algo="a2c", envs=4, total_steps=2_000, run_dir=str(tmp_path / "first")))
    if columns == 2:  # finetuning the trained last column of a progressive net
        first = train(TrainConfig(**FAST, algo="a2c", envs=4, total_steps=1_000, mode="progressive",
                                  from_checkpoint=str(first), run_dir=str(tmp_path / "second")))
    env = ToyReachEnv()
    env.reset(seed=3)
    observations = {"proprio": torch.from_numpy(np.stack([env.reset()[0]["proprio"] for _ in range(64)]))}
    start_policy, start_value = policy_and_value_on(first, observations)

    options = dict(FAST, algo=algo, envs=4, workers=2, envs_per_worker=2, mode=mode, from_checkpoint=str(first))
    held = train(TrainConfig(**options, total_steps=800, value_warmup_steps=800, value_warmup_lr=1e-2,
                             run_dir=str(tmp_path / "held")))
    policy, value = policy_and_value_on(held, observations)
    assert len(read_checkpoint(held)["spec"]["columns"]) == columns + (mode == "progressive")
    assert torch.allclose(policy, start_policy, atol=1e-6)
    assert not torch.allclose(value, start_value, atol=1e-3)

    # the same run without the warm-up does move the policy (so the check above could fail)
    moved = train(TrainConfig(**options, total_steps=800, run_dir=str(tmp_path / "moved")))
    assert not torch.allclose(policy_and_value_on(moved, observations)[0], start_policy, atol=1e-3)


def test_value_warmup_steps_must_be_a_non_negative_integer():
    assert load_train_config([], {"value_warmup_steps": 0}).value_warmup_steps == 0
    for bad in (-1, 1.5, True):
        with pytest.raises(ConfigError, match="value_warmup_steps: must be (a non-negative|an) integer"):
            load_train_config([], {"value_warmup_steps": bad})
    assert load_train_config([], {"value_warmup_lr": 3e-3}).value_warmup_lr == 3e-3
    for bad in (-1e-3, "fast"):
        with pytest.raises(ConfigError, match="value_warmup_lr"):
            load_train_config([], {"value_warmup_lr": bad})


def test_a_checkpoint_for_another_robot_is_refused(tmp_path):
    env = ToyReachEnv(profile="gen3")
    net = ProgressiveNet(spec_for_env(env.observation_space, env.profile.to_dict(), ColumnSpec.preset("narrow")))
    save_checkpoint(tmp_path / "checkpoint.pt", {"spec": net.spec.to_dict(), "model": net.state_dict()})
    cfg = TrainConfig(**FAST, mode="progressive", from_checkpoint=str(tmp_path))
    with pytest.raises(CheckpointError, match="robot profile 'gen3' \\(8 joints\\).*'j2n6s300' \\(9 joints\\)"):
        build_net(cfg, ToyReachEnv())


def test_cli_trains_refuses_to_overwrite_and_plots(tmp_path, capsys):
    run_dir = tmp_path / "run"
    args = ["train", *cli_flags(FAST), "--algo", "a2c", "--envs", "2", "--steps", "300", "--run-dir", str(run_dir)]
    assert cli.main(args) == 0
    assert cli.main(args) == 2
    assert "already exists" in capsys.readouterr().err
    assert cli.main(["train", "--run-dir", str(run_dir), "--resume", "--lr", "0.1"]) == 2
    assert "only --steps may change" in capsys.readouterr().err
    out = tmp_path / "curves.png"
    assert cli.main(["plot", str(run_dir), "-o", str(out), "--window", "5"]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (run_dir / "tensorboard").is_dir() and any((run_dir / "tensorboard").iterdir())


def test_train_help_explains_the_modes(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = capsys.readouterr().out
    for word in ("scratch", "progressive", "finetune", "--from", "--resume", "--algo", "--workers"):
        assert word in text


def reference_loss(runner, net, cfg) -> torch.Tensor:
    """The loss as a rollout built it when the acting forward was the differentiated one: one forward with
    gradients per env step. The batched update must reproduce it."""
    import torch.nn.functional as F
    from jaco_prog.learning.envs import aux_target
    n_envs = len(runner.envs)
    log_probs, values, entropies, rewards, dones, aux_losses = [], [], [], [], [], []
    state = runner.state
    for _ in range(cfg.n_steps):
        batch, privileged = runner._inputs(runner.obs, runner.infos)
        out = net(batch, state, privileged)
        log_p = F.log_softmax(out.logits, dim=-1)
        probs = log_p.exp()
        actions = torch.multinomial(probs.detach().reshape(-1, 3), 1, generator=runner.generator).reshape(n_envs, -1)
        log_probs.append(log_p.gather(-1, actions.unsqueeze(-1)).squeeze(-1).sum(-1))
        entropies.append(-(probs * log_p).sum(-1).sum(-1))
        values.append(out.value)
        aux_losses.append(F.mse_loss(out.aux, torch.from_numpy(np.stack([aux_target(i) for i in runner.infos]))))
        step_rewards, step_dones, cut = np.zeros(n_envs, np.float32), np.zeros(n_envs, np.float32), []
        for i, env in enumerate(runner.envs):
            obs, reward, terminated, truncated, info = env.step(actions[i].numpy())
            step_rewards[i] = reward
            if terminated or truncated:
                if truncated and not terminated:
                    cut.append((i, obs, info))
                step_dones[i] = 1.0
                obs, info = env.reset()
            runner.obs[i], runner.infos[i] = obs, info
        if cut:
            step_rewards += runner._time_limit_bootstrap(net, cut, out.state.detach(), n_envs)
        rewards.append(torch.from_numpy(step_rewards))
        dones.append(torch.from_numpy(step_dones))
        state = out.state * (1.0 - dones[-1]).unsqueeze(1)
    with torch.no_grad():
        batch, privileged = runner._inputs(runner.obs, runner.infos)
        running = net(batch, state, privileged).value
    runner.state = state.detach()
    returns = []
    for reward, done in zip(reversed(rewards), reversed(dones)):
        running = reward + cfg.gamma * (1.0 - done) * running
        returns.append(running)
    returns, values = torch.stack(returns[::-1]), torch.stack(values)
    log_probs, entropies = torch.stack(log_probs), torch.stack(entropies)
    loss = (-(log_probs * (returns - values.detach())).mean() + cfg.value_coef * 0.5 * (returns - values).pow(2).mean()
            - cfg.entropy_coef * entropies.mean() + cfg.aux_coef * torch.stack(aux_losses).mean())
    return loss


@pytest.mark.parametrize("columns", [
    [ColumnSpec.preset("narrow", inputs="pixels+proprio", aux_target=True, asymmetric_critic=True)],
    [ColumnSpec.preset("narrow"), ColumnSpec.preset("narrow", core="ff", inputs="proprio"),
     ColumnSpec.preset("narrow", aux_target=True)],
])
def test_batched_update_equals_the_per_step_differentiated_rollout(columns, one_torch_thread):
    """Acting under no_grad and then one batched forward over the segment gives the same loss and gradients
    as differentiating the acting forwards, across episode ends (10-step toy episodes, time-limit bootstrap)
    in the middle of 7-step rollouts."""
    from jaco_prog.learning.rollout import RolloutRunner
    env = ToyReachEnv()
    spec = spec_for_env(env.observation_space, env.profile.to_dict(), columns[-1], tuple(columns[:-1]))
    torch.manual_seed(0)
    net = ProgressiveNet(spec)
    for p in net.parameters():
        torch.nn.init.normal_(p, std=0.05)  # not the zero-ish start: every term of the loss matters
    cfg = TrainConfig(**{**FAST, "gamma": 0.9, "n_steps": 7})

    def runner():
        envs = [ToyReachEnv() for _ in range(3)]
        for i, e in enumerate(envs):
            e.reset(seed=i)
        return RolloutRunner(envs, spec.observation_keys, cfg, net, seed=5)

    new, old = runner(), runner()
    params = [p for p in net.parameters() if p.requires_grad]
    for _ in range(3):  # 21 steps: every env's episode ends inside the second and third rollouts
        rollout = new.collect(net)
        new_grads = torch.autograd.grad(rollout.loss, params, allow_unused=True)
        loss = reference_loss(old, net, cfg)
        old_grads = torch.autograd.grad(loss, params, allow_unused=True)
        assert rollout.loss.item() == pytest.approx(loss.item(), rel=1e-5, abs=1e-6)
        for a, b in zip(new_grads, old_grads):
            assert (a is None) == (b is None)
            if a is not None:
                assert torch.allclose(a, b, rtol=1e-4, atol=1e-6)
        assert torch.allclose(new.state, old.state, atol=1e-6)
    assert len(rollout.episodes) == 3 and rollout.steps == 21


class SlowToyEnv(ToyReachEnv):
    """The toy env with a step that burns `cpu_seconds` of CPU."""

    def __init__(self, cpu_seconds: float):
        super().__init__()
        self.cpu_seconds = cpu_seconds

    def step(self, action):
        end = time.process_time() + self.cpu_seconds
        while time.process_time() < end:
            pass
        return super().step(action)


def test_a_rollout_reports_what_its_envs_cost_per_frame(one_torch_thread):
    """perf/env_cpu_ms_per_frame is the CPU the envs took, not the net's: 3 ms more per env step shows as
    3 ms more per frame, whatever the net costs."""
    from jaco_prog.learning.rollout import RolloutRunner
    cfg = TrainConfig(**{**FAST, "n_steps": 5})
    env = ToyReachEnv()
    net = ProgressiveNet(spec_for_env(env.observation_space, env.profile.to_dict(),
                                      ColumnSpec.from_sizes(cfg.column_sizes, "wide", inputs="proprio", core="ff")))
    cost = {}
    for extra in (0.0, 0.003):
        envs = [SlowToyEnv(extra) for _ in range(2)]
        for i, e in enumerate(envs):
            e.reset(seed=i)
        rollout = RolloutRunner(envs, net.spec.observation_keys, cfg, net).collect(net)
        cost[extra] = rollout.stats["perf/env_cpu_ms_per_frame"]
    assert 0.0 < cost[0.0] < 1.0
    assert 3.0 <= cost[0.003] - cost[0.0] < 4.5


def test_running_mean_shows_a_rise_that_the_median_hides():
    from jaco_prog.learning.curves import STATISTICS, running_filter
    early = np.where(np.arange(400) % 50 == 0, 10.0, 0.0)  # 2 % of episodes score
    late = np.where(np.arange(400) % 12 == 0, 10.0, 0.0)   # 8 %
    returns = np.concatenate([early, late])
    median = running_filter(returns, 201, STATISTICS["median"])
    mean = running_filter(returns, 201, STATISTICS["mean"])
    assert median.max() == 0.0
    assert mean[-100:].mean() > 2 * mean[:100].mean()
