"""Output folders under runs/ that never overwrite an earlier run."""
from __future__ import annotations

import time
from pathlib import Path


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
