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

"""Run directories: output folders that never overwrite an earlier run, and the one lifecycle training runs
share (`jaco-prog train`, `jaco-prog imitate`, the graph's online learner).

    run = RunDirectory.open(path, resume)   # reads only: refuses a non-empty folder for a new run
    data = run.resumed                      # the checkpoint's payload when resuming, else None
    ...                                     # the caller's own checks of `data`
    run.begin(config)                       # only now written: the folder, config.yaml; stale temporaries go
    run.save(payload)                       # checkpoint.pt, replaced atomically

A new run needs a new or empty folder; resuming needs its checkpoint. `resume=None` resumes when the folder
holds a checkpoint and starts a new run otherwise (the online learner: a robot is switched off and on). Nothing
is written or removed before `begin`, so a refused launch leaves an existing run as it was. Counters live in
the checkpoint payload under "counters".
"""
from __future__ import annotations

import time
from pathlib import Path

import yaml

from jaco_prog.errors import UserError

CHECKPOINT_NAME = "checkpoint.pt"  # inside a run directory
CONFIG_NAME = "config.yaml"


class RunDirectory:
    def __init__(self, path: str | Path, resumed: dict | None = None):
        self.path = Path(path)
        self.resumed = resumed

    @property
    def checkpoint(self) -> Path:
        return self.path / CHECKPOINT_NAME

    @classmethod
    def open(cls, path: str | Path, resume: bool | None,
             hint: str = "choose another run directory") -> "RunDirectory":
        from jaco_prog.nets.checkpoint import read_checkpoint

        path = Path(path)
        checkpoint = path / CHECKPOINT_NAME
        if resume or (resume is None and checkpoint.is_file()):
            if not checkpoint.is_file():
                raise UserError(f"cannot resume: {checkpoint} does not exist")
            return cls(path, read_checkpoint(checkpoint))
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            if resume is None:
                raise UserError(f"run directory {path} exists and holds no {CHECKPOINT_NAME}: it is not a run to "
                                f"resume; {hint}")
            raise UserError(f"run directory {path} already exists; {hint}")
        return cls(path)

    def counters(self) -> dict:
        """The resumed run's counters ({} for a new run)."""
        return dict((self.resumed or {}).get("counters") or {})

    def begin(self, config: dict) -> None:
        """The caller's checks passed: create the folder, write config.yaml, remove what an interrupted save
        left behind."""
        from jaco_prog.nets.checkpoint import remove_stale_temporaries

        self.path.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(self.checkpoint)
        self.write(CONFIG_NAME, config)

    def write(self, name: str, mapping: dict) -> Path:
        """A YAML file of the run (config.yaml, pretrain.yaml, ...)."""
        out = self.path / name
        out.write_text(yaml.safe_dump(mapping, sort_keys=False))
        return out

    def save(self, payload: dict) -> Path:
        from jaco_prog.nets.checkpoint import save_checkpoint

        return save_checkpoint(self.checkpoint, payload)


def new_run_dir(root: str | Path, prefix: str) -> Path:
    root = Path(root)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for i in range(1000):
        candidate = root / (f"{prefix}-{stamp}" + (f"-{i}" if i else ""))
        try:
            candidate.mkdir(parents=True, exist_ok=False)
            return candidate
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a fresh run folder under {root}")
