"""episodes.csv, one row per finished episode: its columns and the one reader that plots, sweeps, exports and
tests share. Stdlib only, so a sweep's parent process can read trial results without importing torch."""
from __future__ import annotations

import csv
from pathlib import Path

EPISODES_CSV = "episodes.csv"
EPISODE_FIELDS = ["global_step", "wall_time", "worker", "episode", "return", "length", "success", "terminated"]


def read_episodes(run_dir: str | Path, missing_ok: bool = False) -> dict[str, list[float]]:
    """episodes.csv as columns of floats, in file order. A row that does not parse (the half-written last row
    of a run still training) is skipped. Without the file: FileNotFoundError, or empty columns if missing_ok."""
    path = Path(run_dir) / EPISODES_CSV
    columns: dict[str, list[float]] = {name: [] for name in EPISODE_FIELDS}
    if not path.is_file():
        if missing_ok:
            return columns
        raise FileNotFoundError(f"{run_dir}: no {EPISODES_CSV} (is this a training run directory?)")
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            try:
                values = [float(row[name]) for name in EPISODE_FIELDS]
            except (KeyError, TypeError, ValueError):
                continue
            for name, value in zip(EPISODE_FIELDS, values):
                columns[name].append(value)
    return columns
