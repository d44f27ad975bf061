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

"""Progressive nets: output initialisation, freezing, laterals, shapes, checkpoints, the Policy wrapper."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from jaco_prog.nets import (CheckpointError, ColumnSpec, NetSpec, NetSpecError, Policy, ProgressiveNet, grow,
                            load_net, read_checkpoint, save_checkpoint)
from jaco_prog.nets.checkpoint import net_from_checkpoint
from jaco_prog.robot.profile import load_profile

WIDE_PIXELS = ColumnSpec.preset("wide")
NARROW_PIXELS_PROPRIO = ColumnSpec.preset("narrow", inputs="pixels+proprio")
NARROW_PROPRIO_FF = ColumnSpec.preset("narrow", inputs="proprio", core="ff")
pytestmark = pytest.mark.usefixtures("one_torch_thread")  # every test here


def make_spec(columns, profile="j2n6s300", size=64) -> NetSpec:
    n = load_profile(profile).n_joints
    return NetSpec(profile=load_profile(profile).to_dict(), columns=tuple(columns), pixels_shape=(size, size, 3),
                   proprio_dim=2 * n, privileged_dim=6 + 2 * n)


def random_obs(spec: NetSpec, batch: int, seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    h, w, c = spec.pixels_shape
    return {"pixels": torch.randint(0, 256, (batch, h, w, c), dtype=torch.uint8, generator=g),
            "proprio": torch.randn(batch, spec.proprio_dim, generator=g)}


def policy_and_value(net: ProgressiveNet, obs: dict, state: torch.Tensor, privileged=None):
    with torch.no_grad():
        out = net(obs, state, privileged)
    return torch.softmax(out.logits, dim=-1), out.value


@pytest.mark.parametrize("chain", [
    [WIDE_PIXELS, NARROW_PIXELS_PROPRIO],
    [WIDE_PIXELS, NARROW_PIXELS_PROPRIO, NARROW_PROPRIO_FF],
    [ColumnSpec.preset("wide", core="ff"), ColumnSpec.preset("narrow")],
    [NARROW_PROPRIO_FF, ColumnSpec.preset("narrow")],  # a pixel column after a proprio-only one
])
def test_grown_net_starts_with_the_previous_policy_and_value(chain):
    torch.manual_seed(0)
    net = ProgressiveNet(make_spec(chain[:1]))
    for column in chain[1:]:
        grown = grow(net, column)
        for seed in range(5):
            obs = random_obs(grown.spec, batch=6, seed=seed)
            state = torch.randn(6, grown.state_size, generator=torch.Generator().manual_seed(100 + seed))
            probs_old, value_old = policy_and_value(net, obs, state[:, :net.state_size])
            probs_new, value_new = policy_and_value(grown, obs, state)
            assert torch.allclose(probs_new, probs_old, atol=1e-6, rtol=0)
            assert torch.allclose(value_new, value_old, atol=1e-6, rtol=0)
        # the outputs are equal, but not because the new column is a copy: its own output weights are zero
        assert torch.count_nonzero(grown.columns[-1].output.weight) == 0
        net = grown


def test_grown_net_keeps_an_asymmetric_critic_value():
    torch.manual_seed(1)
    column = dataclasses.replace(WIDE_PIXELS, asymmetric_critic=True)
    net = ProgressiveNet(make_spec([column]))
    grown = grow(net, dataclasses.replace(NARROW_PIXELS_PROPRIO, asymmetric_critic=True))
    obs = random_obs(grown.spec, 4, seed=3)
    state, privileged = torch.randn(4, grown.state_size), torch.randn(4, grown.spec.privileged_dim)
    _, value_old = policy_and_value(net, obs, state[:, :net.state_size], privileged)
    _, value_new = policy_and_value(grown, obs, state, privileged)
    assert torch.allclose(value_new, value_old, atol=1e-6, rtol=0)


def train_a_few_steps(net: ProgressiveNet, steps: int = 5) -> None:
    optimizer = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=1e-2)
    for step in range(steps):
        obs = random_obs(net.spec, 4, seed=step)
        out = net(obs, net.initial_state(4), torch.randn(4, net.spec.privileged_dim))
        loss = out.logits.logsumexp(-1).sum() + out.value.pow(2).sum()
        if out.aux is not None:
            loss = loss + out.aux.pow(2).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def test_earlier_columns_are_frozen_and_the_new_column_trains():
    torch.manual_seed(2)
    net = grow(grow(ProgressiveNet(make_spec([WIDE_PIXELS])), NARROW_PIXELS_PROPRIO), NARROW_PROPRIO_FF)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    net.train()
    assert all(not c.training for c in net.frozen_columns) and net.trainable_column.training
    assert all(not p.requires_grad for c in net.frozen_columns for p in c.parameters())
    train_a_few_steps(net)
    after = net.state_dict()
    for name, value in after.items():
        if name.startswith(("columns.0.", "columns.1.")):
            assert torch.equal(value, before[name]), f"frozen parameter {name} changed"
        else:
            assert not torch.equal(value, before[name]), f"trainable parameter {name} did not change"
    assert any(".level2_laterals." in k or ".core_laterals." in k or ".output_laterals." in k
               for k in after if k.startswith("columns.2."))


def test_gradient_reaches_every_lateral_adapter():
    torch.manual_seed(3)
    spec = make_spec([WIDE_PIXELS, NARROW_PROPRIO_FF, ColumnSpec.preset("narrow", inputs="pixels+proprio")])
    net = ProgressiveNet(spec)
    out = net(random_obs(spec, 8, seed=0), torch.randn(8, net.state_size))
    (out.logits.pow(2).sum() + out.value.pow(2).sum()).backward()
    column = net.trainable_column
    laterals = list(column.level2_laterals) + list(column.core_laterals) + list(column.output_laterals)
    assert len(laterals) == 3 * 2
    for lateral in laterals:
        for name, p in lateral.named_parameters():
            assert p.grad is not None and p.grad.abs().sum() > 0, f"no gradient for lateral parameter {name}"
    assert all(p.grad is None for c in net.frozen_columns for p in c.parameters())


@pytest.mark.parametrize("profile", ["j2n6s300", "gen3"])
@pytest.mark.parametrize("columns", [
    [WIDE_PIXELS],
    [NARROW_PROPRIO_FF],
    [WIDE_PIXELS, NARROW_PIXELS_PROPRIO],
    [ColumnSpec.preset("wide", core="ff", aux_target=True), NARROW_PROPRIO_FF],
    [WIDE_PIXELS, NARROW_PIXELS_PROPRIO, dataclasses.replace(NARROW_PROPRIO_FF, asymmetric_critic=True)],
    [WIDE_PIXELS, NARROW_PROPRIO_FF, ColumnSpec.preset("narrow", aux_target=True)],
])
def test_output_shapes(profile, columns):
    spec = make_spec(columns, profile)
    net = ProgressiveNet(spec)
    batch, n = 3, load_profile(profile).n_joints
    out = net(random_obs(spec, batch, 0), net.initial_state(batch), torch.zeros(batch, spec.privileged_dim))
    assert out.logits.shape == (batch, n, 3)
    assert out.value.shape == (batch,)
    assert out.state.shape == (batch, sum(2 * c.hidden for c in columns if c.core == "lstm"))
    assert (out.aux.shape == (batch, 3)) if columns[-1].aux_target else out.aux is None
    assert spec.observation_keys == [k for k in ("pixels", "proprio")
                                     if any(k in c.inputs.split("+") for c in columns)]


def test_lstm_state_carries_information():
    torch.manual_seed(4)
    net = ProgressiveNet(make_spec([ColumnSpec.preset("narrow")]))
    obs = random_obs(net.spec, 2, 0)
    first = net(obs, net.initial_state(2))
    second = net(obs, first.state)
    assert not torch.allclose(first.logits, second.logits)


def test_spec_validation_and_round_trip():
    spec = make_spec([WIDE_PIXELS, NARROW_PROPRIO_FF])
    assert NetSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(NetSpecError, match="inputs"):
        make_spec([ColumnSpec.preset("wide", inputs="depth")]).validate()
    with pytest.raises(NetSpecError, match="aux_target"):
        make_spec([dataclasses.replace(NARROW_PROPRIO_FF, aux_target=True)]).validate()
    with pytest.raises(NetSpecError, match="version"):
        NetSpec.from_dict({**spec.to_dict(), "version": 99})


def test_column_from_a_config_sizes_table():
    sizes = {"tiny": {"conv1_channels": 4, "conv2_channels": 8, "hidden": 16, "proprio_hidden": 8,
                      "adapter_width": 4}}
    column = ColumnSpec.from_sizes(sizes, "tiny", inputs="pixels", core="ff", aux_target=True)
    assert (column.conv1_channels, column.hidden, column.core, column.aux_target) == (4, 16, "ff", True)
    with pytest.raises(NetSpecError, match="no 'wide' entry"):
        ColumnSpec.from_sizes(sizes, "wide")
    with pytest.raises(NetSpecError, match="column_sizes.bad"):
        ColumnSpec.from_sizes({"bad": {"conv1_channels": 4, "filters": 3}}, "bad")


def test_checkpoint_round_trip_rebuilds_the_net_from_the_file_alone(tmp_path):
    torch.manual_seed(5)
    net = grow(ProgressiveNet(make_spec([WIDE_PIXELS])), NARROW_PIXELS_PROPRIO)
    train_a_few_steps(net, 2)
    path = save_checkpoint(tmp_path / "checkpoint.pt", {"spec": net.spec.to_dict(), "model": net.state_dict()})
    torch.load(path, weights_only=True)  # plain containers and tensors only
    loaded, spec = load_net(tmp_path)  # a run directory works too
    assert spec == net.spec
    obs, state = random_obs(spec, 3, 9), torch.randn(3, net.state_size)
    assert torch.equal(net(obs, state).logits, loaded(obs, state).logits)


def test_mismatched_checkpoint_fails_with_a_clear_message(tmp_path):
    net = ProgressiveNet(make_spec([WIDE_PIXELS]))
    other = ProgressiveNet(make_spec([ColumnSpec.preset("narrow")]))
    data = {"format": "jaco_prog.checkpoint", "format_version": 1, "spec": net.spec.to_dict(),
            "model": other.state_dict()}
    with pytest.raises(CheckpointError, match="weights do not match the net spec.*shape mismatch"):
        net_from_checkpoint(data)
    data["model"] = {k: v for k, v in net.state_dict().items() if "level2" not in k}
    with pytest.raises(CheckpointError, match="missing columns.0.level2"):
        net_from_checkpoint(data)
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="not a readable"):
        read_checkpoint(tmp_path / "junk.pt")
    torch.save({"format": "jaco_prog.checkpoint", "format_version": 0}, tmp_path / "old.pt")
    with pytest.raises(CheckpointError, match="format version 0"):
        read_checkpoint(tmp_path / "old.pt")
    with pytest.raises(CheckpointError, match="no checkpoint"):
        read_checkpoint(tmp_path / "absent.pt")


def test_a_failed_write_leaves_the_previous_checkpoint_whole(tmp_path, monkeypatch):
    path = save_checkpoint(tmp_path / "checkpoint.pt", {"counters": {"global_step": 1}})

    def save_half_then_die(obj, f, *args, **kwargs):
        f.write(b"half a checkpoint")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", save_half_then_die)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, {"counters": {"global_step": 2}})
    monkeypatch.undo()
    assert read_checkpoint(path)["counters"] == {"global_step": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]


def test_policy_acts_on_uint8_hwc_pixels_and_resets(tmp_path):
    torch.manual_seed(6)
    net = ProgressiveNet(make_spec([ColumnSpec.preset("narrow", inputs="pixels+proprio")]))
    save_checkpoint(tmp_path / "checkpoint.pt", {"spec": net.spec.to_dict(), "model": net.state_dict()})
    policy = Policy.from_checkpoint(tmp_path / "checkpoint.pt", seed=0)
    rng = np.random.default_rng(0)
    obs = {"pixels": rng.integers(0, 256, (64, 64, 3), dtype=np.uint8),
           "proprio": rng.normal(size=18).astype(np.float32)}
    first = policy.act(obs)
    assert first.shape == (9,) and first.dtype == np.int64 and set(first.tolist()) <= {0, 1, 2}
    assert policy.act(obs, greedy=False).shape == (9,)
    assert policy.state.abs().sum() > 0
    policy.reset()
    assert policy.state.abs().sum() == 0
    assert np.array_equal(policy.act(obs), first)  # same state, same input, greedy: same action
    with pytest.raises(ValueError, match="uint8"):
        policy.act({**obs, "pixels": obs["pixels"].astype(np.float32)})
    with pytest.raises(KeyError, match="proprio"):
        policy.act({"pixels": obs["pixels"]})


def random_sequence(spec: NetSpec, steps: int, batch: int, seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    h, w, c = spec.pixels_shape
    return {"pixels": torch.randint(0, 256, (steps, batch, h, w, c), dtype=torch.uint8, generator=g),
            "proprio": torch.randn(steps, batch, spec.proprio_dim, generator=g)}


@pytest.mark.parametrize("columns", [
    [WIDE_PIXELS],
    [ColumnSpec.preset("wide", core="ff")],
    [WIDE_PIXELS, NARROW_PIXELS_PROPRIO],
    [ColumnSpec.preset("wide", core="ff"), ColumnSpec.preset("narrow", aux_target=True)],
    [WIDE_PIXELS, NARROW_PROPRIO_FF, dataclasses.replace(NARROW_PIXELS_PROPRIO, asymmetric_critic=True)],
    [WIDE_PIXELS, ColumnSpec.preset("narrow", core="ff"), ColumnSpec.preset("narrow", aux_target=True)],
])
def test_forward_sequence_equals_successive_forward_calls(columns):
    """One batched pass over a T x B segment gives what T `forward` calls give, with the recurrent state
    zeroed where an episode starts mid-segment, exactly as a rollout does it after a done."""
    torch.manual_seed(7)
    net = ProgressiveNet(make_spec(columns[:1]))
    for column in columns[1:]:
        net = grow(net, column)
    for p in net.trainable_column.parameters():  # grow() zeroes the new output weights: make them matter
        torch.nn.init.normal_(p, std=0.1)
    steps, batch = 7, 3
    obs = random_sequence(net.spec, steps, batch, seed=1)
    privileged = torch.randn(steps, batch, net.spec.privileged_dim)
    starts = torch.zeros(steps, batch)
    starts[2, 0] = starts[5, 0] = starts[4, 2] = 1.0
    state0 = torch.randn(batch, net.state_size)

    state, logits, values, auxes = state0, [], [], []
    with torch.no_grad():
        for t in range(steps):
            state = state * (1.0 - starts[t]).unsqueeze(1)
            out = net({k: v[t] for k, v in obs.items()}, state, privileged[t])
            state = out.state
            logits.append(out.logits)
            values.append(out.value)
            auxes.append(out.aux)
    seq = net.forward_sequence(obs, state0, starts, privileged)
    assert seq.logits.shape == (steps, batch, net.spec.n_joints, 3) and seq.value.shape == (steps, batch)
    assert torch.allclose(seq.logits, torch.stack(logits), atol=1e-5, rtol=0)
    assert torch.allclose(seq.value, torch.stack(values), atol=1e-5, rtol=0)
    assert torch.allclose(seq.state, state, atol=1e-5, rtol=0)
    if columns[-1].aux_target:
        assert torch.allclose(seq.aux, torch.stack(auxes), atol=1e-5, rtol=0)
    else:
        assert seq.aux is None
    # the reset matters (the state differs from zero), so the test would catch it being ignored
    if net.state_size:
        unreset = net.forward_sequence(obs, state0, None, privileged)
        assert not torch.allclose(unreset.logits[2, 0], seq.logits[2, 0], atol=1e-4)


def test_forward_sequence_trains_only_the_last_column():
    torch.manual_seed(8)
    net = ProgressiveNet(make_spec([WIDE_PIXELS, NARROW_PIXELS_PROPRIO]))
    out = net.forward_sequence(random_sequence(net.spec, 4, 2, seed=0), torch.randn(2, net.state_size),
                               torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0], [0.0, 1.0]]))
    (out.logits.pow(2).sum() + out.value.pow(2).sum()).backward()
    assert all(p.grad is None for c in net.frozen_columns for p in c.parameters())
    column = net.trainable_column
    laterals = list(column.level2_laterals) + list(column.core_laterals) + list(column.output_laterals)
    for name, p in column.named_parameters():
        if not name.startswith(("critic.", "aux_head.")):
            assert p.grad is not None and p.grad.abs().sum() > 0, f"no gradient for {name}"
    assert len(laterals) == 3


def test_stale_temporaries_of_a_killed_save_are_removed_and_the_checkpoint_kept(tmp_path):
    from jaco_prog.nets.checkpoint import remove_stale_temporaries
    checkpoint = tmp_path / "checkpoint.pt"
    checkpoint.write_bytes(b"whole")
    leftovers = [tmp_path / ".checkpoint.pt.abc123.tmp", tmp_path / ".checkpoint.pt.zz9.tmp"]
    for p in leftovers:
        p.write_bytes(b"torn")
    unrelated = tmp_path / ".other.pt.x.tmp"
    unrelated.write_bytes(b"")
    assert remove_stale_temporaries(checkpoint) == sorted(leftovers)
    assert checkpoint.read_bytes() == b"whole" and unrelated.exists()
    assert not any(p.exists() for p in leftovers)
