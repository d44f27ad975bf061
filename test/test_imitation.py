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

"""DAgger warm start: the teacher labels, the student learns them, the checkpoint feeds A3C and the policy."""
import csv

import numpy as np
import pytest
import torch
import yaml

from jaco_prog.errors import UserError
from jaco_prog.learning.imitation import Collector, Dataset, ImitationConfig, build_student, imitation_loss, \
    pretrain_encoder, run_imitation
from jaco_prog.nets.checkpoint import read_checkpoint
from jaco_prog.nets.policy import Policy

SMALL = dict(column="narrow", envs=2, steps_per_iteration=150, updates_per_iteration=5, batch_episodes=2,
             threads=1, max_frames=2000)


def teacher_episodes(cfg, net, steps):
    collector = Collector(cfg, net)
    try:
        return collector.collect(steps, beta=1.0)
    finally:
        collector.close()


def agreement(net, episodes, cfg):
    with torch.no_grad():
        _, stats = imitation_loss(net, episodes, cfg)
    return stats["teacher_agreement"], stats["policy_nll"]


def test_teacher_drives_when_beta_is_one_and_student_alone_when_zero():
    cfg = ImitationConfig(**SMALL)
    net = build_student(cfg)
    collector = Collector(cfg, net)
    try:
        teacher_run = collector.collect(100, beta=1.0)
        student_run = collector.collect(100, beta=0.0)
    finally:
        collector.close()
    assert sum(len(e) for e in teacher_run) >= 100
    assert not any(e.student_only for e in teacher_run)
    assert all(e.student_only for e in student_run)
    # the scripted teacher reaches (28/50 on average); a random narrow net almost never does
    assert np.mean([e.ret for e in teacher_run]) > 10 > np.mean([e.ret for e in student_run])
    for e in teacher_run:  # the teacher's label of every visited state: its action is the label's argmax
        assert np.array_equal(e.label.argmax(-1), e.teacher)


def test_value_targets_bootstrap_from_the_students_value_where_the_time_limit_cut_the_episode():
    cfg = ImitationConfig(**SMALL, asymmetric_critic=False, gamma=0.9)
    net = build_student(cfg)
    with torch.no_grad():  # the column's value: a constant
        net.columns[0].output.weight[-1].zero_()
        net.columns[0].output.bias[-1] = 5.0
    episodes = teacher_episodes(cfg, net, 120)
    truncated = [e for e in episodes if len(e) == 50]
    assert truncated
    for e in episodes:
        last_reward = e.returns[-1] - (0.9 * 5.0 if len(e) == 50 else 0.0)
        assert last_reward == pytest.approx(round(last_reward)) and last_reward in (0.0, 1.0)
    off = teacher_episodes(ImitationConfig(**SMALL, asymmetric_critic=False, gamma=0.9,
                                           bootstrap_truncation=False), net, 60)
    for e in off:  # not bootstrapped: returns-to-go bounded by the episode return, zero only without reward
        assert 0.0 <= e.returns[0] <= e.ret + 1e-6
        assert (e.returns.max() > 0) == (e.ret > 0)


def test_soft_labels_keep_the_teachers_action_and_soften_only_near_its_deadband():
    from jaco_prog.sim import make_env

    cfg = ImitationConfig(**SMALL)
    env = make_env(seed=3)
    try:
        env.reset(seed=3)
        teacher = cfg.make_teacher(env)
        for _ in range(30):
            action, label = teacher.act_and_label(0.02)
            assert np.array_equal(label.argmax(-1), action) and np.allclose(label.sum(-1), 1.0)
            dq, arrived = teacher._joint_motion()
            far = teacher.arm & (np.abs(np.abs(dq) - teacher.deadband) > 0.2)
            assert np.allclose(label[far].max(-1), 1.0, atol=1e-3)  # sure far from the deadband
            assert np.all(label[~teacher.arm].max(-1) == 1.0)      # the fingers: one-hot
            _, hard = teacher.act_and_label(0.0)
            assert set(np.unique(hard)) <= {0.0, 1.0}
            env.step(action)
    finally:
        env.close()


def test_training_on_teacher_labels_raises_agreement():
    cfg = ImitationConfig(**SMALL, lr=3e-3)
    torch.manual_seed(0)
    net = build_student(cfg)
    episodes = teacher_episodes(cfg, net, 150)
    before, nll_before = agreement(net, episodes, cfg)
    data = Dataset(10_000, 0)
    data.add(episodes)
    optimizer = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=cfg.lr)
    for _ in range(40):
        loss, _ = imitation_loss(net, data.sample(3), cfg)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    after, nll_after = agreement(net, episodes, cfg)
    assert nll_after < 0.8 * nll_before
    assert after > before + 0.1


def test_asymmetric_critic_and_output_value_slot_both_learn():
    cfg = ImitationConfig(**SMALL)
    net = build_student(cfg)
    episodes = teacher_episodes(cfg, net, 60)
    loss, _ = imitation_loss(net, episodes, cfg)
    loss.backward()
    column = net.trainable_column
    assert column.output.weight.grad[-1].abs().sum() > 0      # the value row of the output layer
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in column.critic.parameters())
    assert column.aux_head.weight.grad.abs().sum() > 0


def test_dataset_drops_oldest_past_cap():
    cfg = ImitationConfig(**SMALL)
    net = build_student(cfg)
    episodes = teacher_episodes(cfg, net, 120)
    data = Dataset(max_frames=60, seed=0)
    data.add(episodes)
    assert data.frames == sum(len(e) for e in data.episodes) and data.episodes[-1] is episodes[-1]
    assert data.frames <= 60 or len(data.episodes) == 1


def test_run_writes_checkpoint_for_policy_and_finetune_and_resumes(tmp_path):
    run_dir = tmp_path / "dagger"
    cfg = ImitationConfig(**SMALL, iterations=1)
    run_imitation(cfg, run_dir, progress=False)
    data = read_checkpoint(run_dir)
    assert data["counters"]["iteration"] == 1 and data["counters"]["global_step"] >= 150
    policy = Policy.from_checkpoint(run_dir)
    from jaco_prog.sim import make_env
    env = make_env(seed=3)
    obs, _ = env.reset(seed=3)
    assert policy.act(obs).shape == (9,)
    env.close()

    from jaco_prog.learning.config import TrainConfig
    from jaco_prog.learning.train import build_net
    env = make_env(seed=0)
    kept = build_net(TrainConfig(mode="finetune", from_checkpoint=str(run_dir), asymmetric_critic=True,
                                 aux_target=True), env)
    # by default a finetuned column loses the heads fed by simulator state (a real robot has none) ...
    plain = build_net(TrainConfig(mode="finetune", from_checkpoint=str(run_dir)), env)
    obs, info = env.reset(seed=1)
    env.close()
    assert kept.trainable_column.spec.asymmetric_critic and kept.trainable_column.spec.aux_target
    assert not plain.trainable_column.spec.asymmetric_critic and not plain.trainable_column.spec.aux_target
    assert not hasattr(plain.trainable_column, "critic") and len(plain.columns) == 1
    # ... and keeps the policy, and the value its output layer learnt from pixels
    batch = {k: torch.from_numpy(obs[k])[None] for k in ("pixels", "proprio")}
    from jaco_prog.learning.envs import privileged_vector
    with torch.no_grad():
        a = kept(batch, kept.initial_state(1), torch.from_numpy(privileged_vector(info, obs["proprio"]))[None])
        b = plain(batch, plain.initial_state(1))
    assert torch.allclose(a.logits, b.logits) and torch.allclose(a.output_value, b.value)

    with pytest.raises(Exception, match="already exists"):
        run_imitation(cfg, run_dir, progress=False)
    cfg.iterations, cfg.max_frames = 2, 1000
    run_imitation(cfg, run_dir, resume=True, progress=False)
    rows = list(csv.DictReader(open(run_dir / "iterations.csv")))
    assert [int(r["iteration"]) for r in rows] == [1, 2]
    # the resumed run's empty data set is refilled to half its cap before the first update
    assert int(rows[1]["env_steps"]) - int(rows[0]["env_steps"]) >= 500 > cfg.steps_per_iteration
    assert int(rows[1]["dataset_frames"]) >= 500
    assert float(rows[1]["beta"]) == pytest.approx(cfg.beta(1))


def test_beta_schedule_reaches_zero():
    cfg = ImitationConfig(beta_start=1.0, beta_decay=0.5, beta_floor=0.05)
    assert [cfg.beta(i) for i in range(6)] == [1.0, 0.5, 0.25, 0.125, 0.0625, 0.0]


def test_encoder_pretraining_learns_the_palm_to_target_vector_and_touches_only_encoder_and_aux_head():
    cfg = ImitationConfig(**SMALL, pretrain_updates=150, pretrain_batch=32)
    torch.manual_seed(0)
    net = build_student(cfg)
    episodes = teacher_episodes(cfg, net, 400)
    column = net.trainable_column
    untouched = {name: p.clone() for name, p in column.named_parameters()
                 if not name.startswith(("level1", "level2", "aux_head"))}
    conv_before = column.level1.weight.clone()
    figures = pretrain_encoder(net, episodes, cfg)
    assert figures["frames"] + figures["held_out_frames"] == sum(len(e) for e in episodes)
    # it fits the vector on its own frames and does better than at the start on held-out ones (generalising to
    # new scenes needs far more frames than a test takes: 17 k frames gave 8.4 cm against 9.9 cm for the mean)
    assert figures["train_rms_cm_after"] < 0.7 * figures["held_out_rms_cm_before"]
    assert figures["held_out_rms_cm_after"] < figures["held_out_rms_cm_before"]
    assert not torch.equal(column.level1.weight, conv_before)
    for name, p in column.named_parameters():
        if name in untouched:
            assert torch.equal(p, untouched[name]), name


def test_run_with_pretraining_counts_its_frames_records_its_error_and_resumes_without_repeating(tmp_path):
    run_dir = tmp_path / "dagger"
    cfg = ImitationConfig(**SMALL, iterations=1, pretrain_frames=100, pretrain_updates=3)
    run_imitation(cfg, run_dir, progress=False)
    import yaml
    figures = yaml.safe_load((run_dir / "pretrain.yaml").read_text())
    pretrain_steps = figures["frames"] + figures["held_out_frames"]
    assert pretrain_steps >= 100
    rows = list(csv.DictReader(open(run_dir / "iterations.csv")))
    # the pretraining frames are env steps too, and they joined the imitation data set
    assert int(rows[0]["env_steps"]) >= pretrain_steps + 150
    assert int(rows[0]["dataset_frames"]) == int(rows[0]["env_steps"])
    data = read_checkpoint(run_dir)
    assert data["counters"]["pretrained"]
    (run_dir / "pretrain.yaml").unlink()
    cfg.iterations = 2
    run_imitation(cfg, run_dir, resume=True, progress=False)
    assert not (run_dir / "pretrain.yaml").exists()     # not pretrained a second time
    assert read_checkpoint(run_dir)["counters"]["iteration"] == 2


def test_pretraining_needs_the_aux_head_and_sane_counts():
    with pytest.raises(Exception, match="aux target head"):
        ImitationConfig(aux_target=False, pretrain_frames=100).validate()
    with pytest.raises(Exception, match="pretrain"):
        ImitationConfig(pretrain_updates=-1).validate()


def test_cli_resume_may_change_only_the_iterations_the_data_set_cap_and_the_teacher(tmp_path, monkeypatch,
                                                                                    capsys):
    from jaco_prog.cli import main
    from jaco_prog.learning import imitation

    run_dir = tmp_path / "dagger"
    run_imitation(ImitationConfig(**SMALL, iterations=1), run_dir, progress=False)
    seen = {}
    monkeypatch.setattr(imitation, "run_imitation",
                        lambda cfg, path, resume, progress: seen.update(cfg=cfg, resume=resume) or path)
    assert main(["imitate", "--run-dir", str(run_dir), "--resume", "--iterations", "7", "--max-frames", "900",
                 "--lr", str(ImitationConfig().lr), "--no-progress"]) == 0      # the run's own lr may be repeated
    assert seen["resume"] and seen["cfg"].iterations == 7 and seen["cfg"].max_frames == 900
    assert main(["imitate", "--run-dir", str(run_dir), "--resume", "--teacher-fingers", "open",
                 "--teacher-hover", "0.08", "--no-progress"]) == 0
    assert (seen["cfg"].teacher_fingers, seen["cfg"].teacher_hover) == ("open", 0.08)
    seen.clear()
    for changed in (["--lr", "0.9"], ["--no-aux-target"]):
        assert main(["imitate", "--run-dir", str(run_dir), "--resume", *changed]) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and f"{changed[0]} cannot change when resuming" in err
    assert not seen                                                                 # nothing ran


def test_a_run_saved_before_the_finger_choice_resumes_with_the_open_handed_teacher_it_had(tmp_path, monkeypatch):
    from jaco_prog.cli import main
    from jaco_prog.learning import imitation
    from jaco_prog.nets.checkpoint import save_checkpoint

    run_dir = tmp_path / "dagger"
    run_imitation(ImitationConfig(**SMALL, iterations=1), run_dir, progress=False)
    data = read_checkpoint(run_dir)
    for name in ("teacher_fingers", "teacher_hover"):
        del data["imitation"][name]
    save_checkpoint(run_dir / "checkpoint.pt", data)
    seen = {}
    monkeypatch.setattr(imitation, "run_imitation",
                        lambda cfg, path, resume, progress: seen.update(cfg=cfg) or path)
    assert main(["imitate", "--run-dir", str(run_dir), "--resume", "--no-progress"]) == 0
    assert (seen["cfg"].teacher_fingers, seen["cfg"].teacher_hover) == ("open", 0.08)


def test_resuming_with_another_teacher_keeps_the_earlier_config(tmp_path):
    run_dir = tmp_path / "dagger"
    run_imitation(ImitationConfig(**SMALL, iterations=1, teacher_fingers="open"), run_dir, progress=False)
    run_imitation(ImitationConfig(**SMALL, iterations=2, teacher_fingers="close"), run_dir, resume=True,
                  progress=False)
    before = yaml.safe_load((run_dir / "config.until-iteration-1.yaml").read_text())["imitation"]
    assert before["teacher_fingers"] == "open" and before["iterations"] == 1
    assert yaml.safe_load((run_dir / "config.yaml").read_text())["imitation"]["teacher_fingers"] == "close"
    assert read_checkpoint(run_dir)["counters"]["iteration"] == 2


def test_teacher_fingers_must_be_a_known_command():
    with pytest.raises(UserError, match="teacher_fingers: must be one of"):
        ImitationConfig(teacher_fingers="wave").validate()


def test_student_curve_keeps_only_iterations_the_student_drove(tmp_path):
    from jaco_prog.learning.imitation import ITERATIONS_CSV, student_curve
    (tmp_path / ITERATIONS_CSV).write_text("iteration,env_steps,student_episodes,student_mean_return\n"
                                           "1,1000,0,0\n2,2000,4,1.5\n3,3000,5,2.5\n")
    steps, returns = student_curve(tmp_path)
    assert steps.tolist() == [2000.0, 3000.0] and returns.tolist() == [1.5, 2.5]


def test_a_run_continued_from_another_column_starts_from_its_weights_and_counts_its_steps(tmp_path):
    first = tmp_path / "first"
    run_imitation(ImitationConfig(**SMALL, iterations=1), first, progress=False)
    before = read_checkpoint(first)
    cfg = ImitationConfig(**{**SMALL, "max_frames": 600}, iterations=1, init_from=str(first), beta_start=0.0,
                          lr=1.0e-9)
    run_imitation(cfg, tmp_path / "second", progress=False)
    after = read_checkpoint(tmp_path / "second")
    # the weights carried over (a negligible learning rate barely moves them), and the step budget with them
    for key, weight in before["model"].items():
        assert torch.allclose(weight, after["model"][key], atol=1e-5), key
    steps = int(list(csv.DictReader(open(tmp_path / "second" / "iterations.csv")))[0]["env_steps"])
    assert steps >= before["counters"]["global_step"] + 300  # a continued run's first collection refills too
    assert after["counters"]["global_step"] == steps and after["optimizer"]["param_groups"][0]["lr"] == 1.0e-9


def test_a_run_cannot_continue_from_another_net(tmp_path):
    first = tmp_path / "first"
    run_imitation(ImitationConfig(**SMALL, iterations=1), first, progress=False)
    cfg = ImitationConfig(**{**SMALL, "column": "wide"}, iterations=1, init_from=str(first))
    with pytest.raises(UserError, match="another net than this run's"):
        run_imitation(cfg, tmp_path / "second", progress=False)
    assert not (tmp_path / "second").exists()
