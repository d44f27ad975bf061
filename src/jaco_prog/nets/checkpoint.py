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

"""Checkpoint files: written atomically, read with `torch.load(weights_only=True)`, self-describing.

A checkpoint is a dict of tensors and plain python containers only:
    format, format_version          identify the file
    spec                            NetSpec.to_dict(): enough to rebuild the net with no other input
    model                           the net's state_dict
    optimizer, counters, config     training state (absent from policy-only exports)

Whatever a file holds, reading it ends in a net or in one CheckpointError line that says what the file is
(text, empty, truncated, Python objects a weights-only load refuses, ...) and what to do; a spec is checked
against size bounds and against the file's own weights on torch's meta device before anything is allocated.
Files are created with the user's umask (like any other file the user writes), not mkstemp's 0600.
"""
from __future__ import annotations

import os
import re
import secrets
import warnings
from pathlib import Path

import torch

from jaco_prog.errors import UserError
from jaco_prog.nets.progressive import ProgressiveNet
from jaco_prog.nets.spec import NetSpec, NetSpecError
from jaco_prog.run_dir import CHECKPOINT_NAME  # noqa: F401 - the run directory's checkpoint file

FORMAT = "jaco_prog.checkpoint"
FORMAT_VERSION = 1

# What a checkpoint's net spec may ask for. Far above any net this package builds (a wide column has 0.7 M
# parameters, four columns 3 M): a spec beyond them is damaged or not ours, and is refused before allocation.
MAX_LAYER_WIDTH = 4096  # units / channels of any layer of a column
MAX_COLUMNS = 16
MAX_JOINTS = 64
MAX_IMAGE_SIDE = 1024  # pixels
MAX_INPUT_SIZE = 4096  # proprio / privileged vector lengths
MAX_PARAMETERS = 50_000_000  # 200 MB of float32 weights
_WIDTHS = ("conv1_channels", "conv2_channels", "hidden", "proprio_hidden", "adapter_width", "critic_hidden")


class CheckpointError(UserError):
    """A checkpoint is missing, unreadable or does not match what the caller asks of it."""


def resolve(path: str | Path) -> Path:
    """A checkpoint file, or a run directory holding one."""
    path = Path(path)
    if path.is_dir():
        path = path / CHECKPOINT_NAME
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    return path


def save_checkpoint(path: str | Path, payload: dict) -> Path:
    """Write to a temporary file in the same directory, fsync, then os.replace: a reader sees the old file or
    the new one, never a torn one, even if the process dies mid-write."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": FORMAT, "format_version": FORMAT_VERSION, **payload}
    fd, tmp = _create_temporary(path)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _create_temporary(path: Path) -> tuple[int, str]:
    """A new temporary file beside `path`, mode 0666 less the umask (mkstemp would make it 0600, and
    os.replace keeps that mode: checkpoints others in the group cannot read)."""
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), str(tmp)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


def remove_stale_temporaries(path: str | Path) -> list[Path]:
    """Delete the temporary files a writer killed mid-save left beside `path` (SIGKILL cannot be caught; the
    checkpoint itself is whole, only its unfinished successor remains). Returns what was removed."""
    path = Path(path)
    stale = sorted(path.parent.glob(f".{path.name}.*.tmp"))
    for tmp in stale:
        tmp.unlink(missing_ok=True)
    return stale


def read_checkpoint(path: str | Path) -> dict:
    path = resolve(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's notes on pickle protocols: the error below says it all
            data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - torch raises many types for a bad file; all mean the same here
        raise CheckpointError(f"{path} is not a readable jaco_prog checkpoint: {_unreadable(path, err)}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a jaco_prog checkpoint: it is a torch file without the checkpoint's "
                              "format marker (written by something else); save the net with "
                              "jaco_prog.nets.checkpoint.save_checkpoint or `jaco-prog export`")
    if data.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"{path} has checkpoint format version {data.get('format_version')!r}; "
                              f"this code reads version {FORMAT_VERSION}")
    return data


def _unreadable(path: Path, err: Exception) -> str:
    """What the file is, in one line, from its first bytes and torch's error (never torch's own text, which
    runs over many lines and suggests loading the file unsafely)."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError as os_err:
        return f"cannot read it ({os_err.strerror}); check the path and its permissions"
    text = str(err)
    if not head:
        return "the file is empty (a save that never ran, or a copy that failed): use another checkpoint"
    if head.startswith(b"PK\x03\x04") or head[:1] == b"\x80":
        refused = re.search(r"GLOBAL ([\w.]+)", text)
        if refused or ("Weights only load failed" in text and "Unsupported operand" not in text):
            what = f"a {refused.group(1)} object" if refused else "Python objects"
            return (f"it holds {what}, which a safe (weights-only) load refuses: a jaco_prog checkpoint holds "
                    "tensors and plain data only; load it in the program that wrote it and save the net with "
                    "jaco_prog.nets.checkpoint.save_checkpoint")
        return ("it is a damaged or truncated torch file (a copy or save that did not finish): copy it again or "
                "use the run's previous checkpoint")
    try:
        sample = head.decode("utf-8")
    except UnicodeDecodeError:
        sample = None
    if sample is not None and all(ch.isprintable() or ch in "\n\r\t" for ch in sample.rstrip("\x00")):
        first = sample.strip().splitlines()[0][:40] if sample.strip() else ""
        return (f"it is a text file (starts {first!r}), not a torch file: pass a checkpoint.pt or the run "
                "directory that holds one")
    return (f"it is not a torch file (starts with bytes {head[:8].hex(' ')}): pass a checkpoint.pt or the run "
            "directory that holds one")


def check_spec_size(spec: NetSpec, where: str) -> int:
    """Refuse a spec whose net would be absurdly large, before any allocation; returns its parameter count."""
    def refuse(what: str) -> None:
        raise CheckpointError(f"{where}: its net spec asks for {what}: the file is damaged or not a jaco_prog "
                              "checkpoint; use another one")

    if spec.n_columns > MAX_COLUMNS:
        refuse(f"{spec.n_columns} columns (at most {MAX_COLUMNS})")
    if spec.n_joints > MAX_JOINTS:
        refuse(f"{spec.n_joints} joints (at most {MAX_JOINTS})")
    if max(spec.pixels_shape[:2]) > MAX_IMAGE_SIDE:
        refuse(f"images of {spec.pixels_shape[0]}x{spec.pixels_shape[1]} pixels (at most {MAX_IMAGE_SIDE} a side)")
    for name in ("proprio_dim", "privileged_dim"):
        if getattr(spec, name) > MAX_INPUT_SIZE:
            refuse(f"{name} {getattr(spec, name)} (at most {MAX_INPUT_SIZE})")
    for i, column in enumerate(spec.columns):
        for name in _WIDTHS:
            if getattr(column, name) > MAX_LAYER_WIDTH:
                refuse(f"columns[{i}].{name} = {getattr(column, name)} (at most {MAX_LAYER_WIDTH})")
    try:
        with torch.device("meta"):  # shapes only: nothing is allocated
            count = sum(p.numel() for p in ProgressiveNet(spec).parameters())
    except Exception as err:  # noqa: BLE001 - a spec the net cannot be built from
        raise CheckpointError(f"{where}: its net spec cannot be built ({type(err).__name__}: "
                              f"{str(err).splitlines()[0] if str(err) else ''})") from None
    if count > MAX_PARAMETERS:
        refuse(f"{count:,} parameters (at most {MAX_PARAMETERS:,})")
    return count


def net_from_checkpoint(data: dict, where: str = "checkpoint") -> tuple[ProgressiveNet, NetSpec]:
    try:
        spec = NetSpec.from_dict(data.get("spec"))
    except NetSpecError as err:
        raise CheckpointError(f"{where}: its net spec is invalid ({err})") from None
    except Exception as err:  # noqa: BLE001 - any malformed field (wrong types, inf for an integer, ...)
        raise CheckpointError(f"{where}: its net spec is invalid ({type(err).__name__}: {err})") from None
    check_spec_size(spec, where)
    with torch.device("meta"):
        shapes = {k: tuple(v.shape) for k, v in ProgressiveNet(spec).state_dict().items()}
    _check_weights(shapes, data.get("model"), where)  # before the real net takes memory
    net = ProgressiveNet(spec)
    load_weights(net, data.get("model"), where)
    return net, spec


def _check_weights(own: dict[str, tuple], state_dict, where: str) -> None:
    """The weights match the shapes `own` (key -> shape), or one line that says what differs."""
    if not isinstance(state_dict, dict):
        raise CheckpointError(f"{where}: has no model weights")
    not_tensors = [k for k, v in state_dict.items() if not isinstance(v, torch.Tensor)]
    if not_tensors:
        raise CheckpointError(f"{where}: its weights {_few([str(k) for k in not_tensors])} are not tensors")
    missing = sorted(set(own) - set(state_dict))
    unexpected = sorted(str(k) for k in set(state_dict) - set(own))
    wrong = [f"{k} {tuple(state_dict[k].shape)} vs {shape}" for k, shape in own.items()
             if k in state_dict and tuple(state_dict[k].shape) != shape]
    if missing or unexpected or wrong:
        details = "; ".join(part for part in (
            f"missing {_few(missing)}" if missing else "",
            f"unexpected {_few(unexpected)}" if unexpected else "",
            f"shape mismatch {_few(wrong)}" if wrong else "") if part)
        raise CheckpointError(f"{where}: weights do not match the net spec ({details})")


def load_weights(net: ProgressiveNet, state_dict: dict | None, where: str) -> None:
    """load_state_dict with a message that says what differs instead of a wall of key names."""
    _check_weights({k: tuple(v.shape) for k, v in net.state_dict().items()}, state_dict, where)
    net.load_state_dict(state_dict)


def load_net(path: str | Path) -> tuple[ProgressiveNet, NetSpec]:
    """Rebuild a net from a checkpoint file (or run directory) alone; returned in eval mode."""
    path = resolve(path)
    net, spec = net_from_checkpoint(read_checkpoint(path), str(path))
    net.eval()
    return net, spec


def _few(items: list[str], n: int = 3) -> str:
    return ", ".join(items[:n]) + (f" and {len(items) - n} more" if len(items) > n else "")
