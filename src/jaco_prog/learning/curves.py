"""Learning curves as in paper Fig. 5: a median-filtered solid curve over the raw episode returns (dotted)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from jaco_prog.learning.logger import read_episodes


def running_filter(values: np.ndarray, window: int, statistic=np.median) -> np.ndarray:
    """Centred running statistic; the window shrinks at the ends so the output has the input's length."""
    values = np.asarray(values, dtype=float)
    half = max(window, 1) // 2
    return np.array([statistic(values[max(0, i - half):i + half + 1]) for i in range(len(values))])


def median_filter(values: np.ndarray, window: int) -> np.ndarray:
    return running_filter(values, window, np.median)


# The paper's median suits returns well above zero; early in training, when most episodes score 0, the
# median is 0 throughout and the mean is what shows a rise.
STATISTICS = {"median": np.median, "mean": np.mean}


def plot_runs(run_dirs: list[str | Path], out: str | Path, window: int = 101, x_axis: str = "global_step",
              title: str | None = None, statistic: str = "median") -> Path:
    import matplotlib
    matplotlib.use("Agg")  # files only; no display needed
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for i, run_dir in enumerate(run_dirs):
        episodes = read_episodes(run_dir)
        returns = np.array(episodes["return"])
        x = np.array(episodes[x_axis]) if x_axis == "global_step" else np.arange(1, len(returns) + 1)
        order = np.argsort(x, kind="stable")  # A3C workers log out of step order
        x, returns = x[order], returns[order]
        colour = f"C{i % 10}"
        ax.plot(x, returns, linestyle=":", linewidth=0.6, alpha=0.5, color=colour)
        ax.plot(x, running_filter(returns, window, STATISTICS[statistic]), linewidth=1.8, color=colour,
                label=Path(run_dir).name)
    ax.set_xlabel("env steps" if x_axis == "global_step" else "episodes")
    ax.set_ylabel("episode return")
    ax.set_title(title or f"learning curves ({statistic} filter, window {window})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
