"""Checkpoint files: written atomically, read with `torch.load(weights_only=True)`, self-describing.

A checkpoint is a dict of tensors and plain python containers only:
    format, format_version          identify the file
    spec                            NetSpec.to_dict(): enough to rebuild the net with no other input
    model                           the net's state_dict
    optimizer, counters, config     training state (absent from policy-only exports)
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

from jaco_prog.errors import UserError
from jaco_prog.nets.progressive import ProgressiveNet
from jaco_prog.nets.spec import NetSpec, NetSpecError

FORMAT = "jaco_prog.checkpoint"
FORMAT_VERSION = 1
CHECKPOINT_NAME = "checkpoint.pt"  # inside a run directory


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
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - torch raises many types for a bad file; all mean the same here
        raise CheckpointError(f"{path} is not a readable jaco_prog checkpoint ({type(err).__name__}: {err})") from err
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a jaco_prog checkpoint")
    if data.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"{path} has checkpoint format version {data.get('format_version')!r}; "
                              f"this code reads version {FORMAT_VERSION}")
    return data


def net_from_checkpoint(data: dict, where: str = "checkpoint") -> tuple[ProgressiveNet, NetSpec]:
    try:
        spec = NetSpec.from_dict(data.get("spec"))
    except (NetSpecError, TypeError, ValueError) as err:
        raise CheckpointError(f"{where}: its net spec is invalid ({err})") from err
    net = ProgressiveNet(spec)
    load_weights(net, data.get("model"), where)
    return net, spec


def load_weights(net: ProgressiveNet, state_dict: dict | None, where: str) -> None:
    """load_state_dict with a message that says what differs instead of a wall of key names."""
    if not isinstance(state_dict, dict):
        raise CheckpointError(f"{where}: has no model weights")
    own = net.state_dict()
    missing = sorted(set(own) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(own))
    wrong = [f"{k} {tuple(state_dict[k].shape)} vs {tuple(v.shape)}" for k, v in own.items()
             if k in state_dict and tuple(state_dict[k].shape) != tuple(v.shape)]
    if missing or unexpected or wrong:
        details = "; ".join(part for part in (
            f"missing {_few(missing)}" if missing else "",
            f"unexpected {_few(unexpected)}" if unexpected else "",
            f"shape mismatch {_few(wrong)}" if wrong else "") if part)
        raise CheckpointError(f"{where}: weights do not match the net spec ({details})")
    net.load_state_dict(state_dict)


def load_net(path: str | Path) -> tuple[ProgressiveNet, NetSpec]:
    """Rebuild a net from a checkpoint file (or run directory) alone; returned in eval mode."""
    path = resolve(path)
    net, spec = net_from_checkpoint(read_checkpoint(path), str(path))
    net.eval()
    return net, spec


def _few(items: list[str], n: int = 3) -> str:
    return ", ".join(items[:n]) + (f" and {len(items) - n} more" if len(items) > n else "")
