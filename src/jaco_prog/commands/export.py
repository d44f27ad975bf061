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

"""`jaco-prog export RUN... --out models/NAME.pt`: a policy-only checkpoint with a model card beside it."""
from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

from jaco_prog.errors import UserError

DESCRIPTION = """\
Export the net of the last RUN as a small policy-only checkpoint (no optimiser state) and write a model card
(NAME.md beside it): how it was trained (each RUN is one stage, in order: e.g. a `jaco-prog imitate` run
then the `jaco-prog train --mode finetune` run that continued it), the commit, env steps and wall time per
stage, and its score over --episodes held-out episodes of the task it was trained on (greedy actions, as the
policy node acts). An existing file is not overwritten without --force.

example:
  jaco-prog export runs/col1-dagger runs/col1-a3c --out models/column1_reach_wide_lstm.pt
"""


def register(subparsers) -> None:
    parser = subparsers.add_parser("export", help="policy-only checkpoint + model card (models/)",
                                   description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", metavar="RUN", help="run directories, first stage first")
    parser.add_argument("--out", required=True, help="output .pt file; the model card is written beside it (.md)")
    parser.add_argument("--episodes", type=int, default=100, help="evaluation episodes (default %(default)s)")
    parser.add_argument("--presets", default="", help="comma-separated presets to also score zero-shot (default: none)")
    parser.add_argument("--note", action="append", default=[], help="a paragraph for the card (repeatable; default: "
                        "none), e.g. a deviation from the recorded "
                        "configuration")
    parser.add_argument("--force", action="store_true", help="replace an existing export")
    parser.set_defaults(func=run)


def stage_summary(run_dir: Path) -> dict:
    """What one run contributed: kind, env steps, wall time, the configuration that reproduces it."""
    from jaco_prog.nets.checkpoint import CheckpointError, read_checkpoint

    data = read_checkpoint(run_dir)
    counters = dict(data.get("counters") or {})
    if "imitation" in data:
        cfg = dict(data["imitation"])
        steps, wall = int(counters.get("global_step", 0)), float(counters.get("wall_time_s", 0))
        if cfg.get("init_from"):
            # `imitate --init-from` carries the column's counters on: this stage's own share is what it added
            try:
                start = dict(read_checkpoint(cfg["init_from"]).get("counters") or {})
            except (OSError, CheckpointError) as err:
                raise UserError(f"{run_dir} continues {cfg['init_from']}, which cannot be read ({err}): its own "
                                "env steps cannot be told apart from those it started with") from None
            steps -= int(start.get("global_step", 0))
            wall -= float(start.get("wall_time_s", 0))
        return {"run": str(run_dir), "kind": "DAgger from the scripted teacher (jaco-prog imitate)"
                + (f", continuing {cfg['init_from']}" if cfg.get("init_from") else ""),
                "env_steps": steps, "wall_time_s": wall,
                "iterations": int(counters.get("iteration", 0)), "config": cfg, "task": cfg.get("task", "reach"),
                "preset": cfg.get("preset")}
    cfg = dict(data.get("config") or {})
    return {"run": str(run_dir), "kind": f"{cfg.get('algo', '?').upper()} {cfg.get('mode', '?')} (jaco-prog train)",
            "env_steps": int(counters.get("global_step", 0)), "wall_time_s": _episode_wall_time(run_dir),
            "config": cfg, "task": cfg.get("task", "reach"), "preset": cfg.get("preset")}


def _episode_wall_time(run_dir: Path) -> float:
    """First to last episode timestamp in episodes.csv (a resumed run's idle gaps included)."""
    from jaco_prog.learning.episode_log import read_episodes

    try:
        times = read_episodes(run_dir)["wall_time"]
    except (OSError, KeyError, ValueError):
        return 0.0
    return max(times) - min(times) if times else 0.0


def git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def run(args: argparse.Namespace) -> int:
    import yaml

    from jaco_prog.evaluation.sim_score import score_checkpoint
    from jaco_prog.nets.checkpoint import read_checkpoint, save_checkpoint

    out = Path(args.out)
    card = out.with_suffix(".md")
    if out.suffix != ".pt":
        raise UserError(f"--out must end in .pt (got {out})")
    if not args.force and (out.exists() or card.exists()):
        raise UserError(f"{out} or {card} exists; pass --force to replace them")
    if args.episodes < 1:
        raise UserError("--episodes must be at least 1")
    runs = [Path(r) for r in args.runs]
    for r in runs:
        if not (r / "checkpoint.pt").is_file():
            raise UserError(f"{r} is not a run directory (no checkpoint.pt)")
    stages = [stage_summary(r) for r in runs]
    last = read_checkpoint(runs[-1])
    task, preset = stages[-1]["task"], stages[-1]["preset"]
    score = score_checkpoint(runs[-1], task, preset, args.episodes, progress=True)
    zero_shot = [score_checkpoint(runs[-1], task, p.strip(), args.episodes, progress=True)
                 for p in args.presets.split(",") if p.strip()]
    commit = git_commit()
    provenance = {"commit": commit, "stages": [{k: v for k, v in s.items() if k != "config"} for s in stages],
                  "evaluation": {k: v for k, v in score.summary().items() if k != "returns"}}
    save_checkpoint(out, {"spec": last["spec"], "model": last["model"], "provenance": provenance})

    steps = sum(s["env_steps"] for s in stages)
    hours = sum(s["wall_time_s"] for s in stages) / 3600
    lines = [f"# {out.stem}", "",
             f"`{out.name}`: {_describe(last['spec'])}. Policy only (no optimiser state); load it with "
             "`jaco_prog.nets.policy.Policy.from_checkpoint` or as the policy node's `checkpoint`.", "",
             "## Evaluation", "",
             f"Greedy actions, {score.episodes} held-out episodes (seeds from "
             f"jaco_prog.evaluation.sim_score.EVAL_SEED_BASE on), `jaco-prog score {out} --episodes {score.episodes}`:",
             "",
             "| task | mean return (of 50) | ± s.e. | success | safety terminations |", "|---|---|---|---|---|"]
    for s in [score, *zero_shot]:
        where = s.task + (f" / {s.preset}" if s.preset else " (training randomisation)")
        broken = ", ".join(f"{k} {v}" for k, v in sorted(s.violations.items())) or "none"
        lines.append(f"| {where} | {s.mean_return:.1f} | {s.stderr:.1f} | {100 * s.success_rate:.0f} % | {broken} |")
    lines += ["", "The paper's bar for a well-performing agent is a mean return of 30.", "",
              "## Training", "", f"Commit `{commit}`; {steps:,} env steps in all; {hours:.2f} h of wall time "
              "on a 2-core machine.", "", "| stage | run | env steps | wall time |", "|---|---|---|---|"]
    for i, s in enumerate(stages, 1):
        lines.append(f"| {i}. {s['kind']} | `{s['run']}` | {s['env_steps']:,} | {s['wall_time_s'] / 3600:.2f} h |")
    lines += ["", "Configuration of each stage (reproduce with the command under it):", ""]
    for s in stages:
        command = (f"jaco-prog imitate --run-dir {s['run']}  # fields below in ImitationConfig"
                   if "imitate" in s["kind"] else f"jaco-prog train --config <this block as YAML> --run-dir {s['run']}")
        lines += [f"`{command}`", "", "```yaml", yaml.safe_dump(s["config"], sort_keys=False).strip(), "```", ""]
    if args.note:
        lines += ["## Notes", ""] + [line for note in args.note for line in (note, "")]
    card.write_text("\n".join(lines) + "\n")
    print(score.line())
    for s in zero_shot:
        print(s.line())
    print(f"wrote {out} and {card}")
    return 0


def _describe(spec: dict) -> str:
    columns = spec.get("columns", [])
    parts = [f"{c.get('core', '?').upper()} column ({c.get('inputs')}, conv {c.get('conv1_channels')}/"
             f"{c.get('conv2_channels')}, hidden {c.get('hidden')})" for c in columns]
    return f"{len(columns)}-column progressive net for {spec.get('profile', {}).get('name', '?')}: " + "; ".join(parts)
