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

"""The evaluation report: report.md, episodes.csv, evaluation.json, PNG plots and a video of selected episodes."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from jaco_prog.evaluation.replay import Evaluation

STATUSES = ("clamped", "limited", "stale", "estop", "fault")


def write_report(ev: Evaluation, out: str | Path, fps: int = 20) -> dict:
    """Write everything to `out` (created); returns {name: path} of what was written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = {"csv": _write_csv(ev, out / "episodes.csv"), "json": _write_json(ev, out / "evaluation.json")}
    written.update(_plots(ev, out))
    if ev.video_frames:
        from jaco_prog.video import write_video

        written["video"] = write_video(ev.video_frames, out / "episodes.mp4", fps=fps)
    written["report"] = _write_markdown(ev, out / "report.md", written)
    return written


def summary(ev: Evaluation) -> dict:
    eps = ev.episodes
    returns = [e.recorded_return for e in eps]
    agree = [e.reward_agreement for e in eps if e.reward_agreement is not None]
    out = {"bag": str(ev.bag), "storage": ev.info.storage, "reader": ev.info.reader, "profile": ev.profile,
           "episodes": len(eps), "returns": returns,
           "mean_return": float(np.mean(returns)) if returns else None,
           "success_rate": float(np.mean([e.success for e in eps])) if eps else None,
           "recomputed_returns": [e.recomputed_return for e in eps],
           "reward_agreement": _frame_agreement(ev, agree),
           "safety_events": sum(len(e.safety_events) for e in eps),
           "camera": ev.camera_source, "camera_topic": ev.info.camera_topic,
           "checkpoint": ev.checkpoint, "skipped": list(ev.skipped),
           "ignored_topics": list(ev.info.ignored), "bag_seconds": ev.duration, "wall_seconds": ev.wall,
           "realtime_factor": ev.realtime_factor, "frames": ev.frame_count}
    if ev.checkpoint:
        per_joint, overall = action_agreement(ev)
        out["action_agreement"] = {"per_joint": dict(zip(ev.joint_names, per_joint)), "all_joints": overall}
    return out


def _frame_agreement(ev: Evaluation, per_episode) -> float | None:
    f = ev.frames
    if not len(f.get("t", [])):
        return None
    inside = (f["episode"] >= 0) & ~np.isnan(f["recomputed"])
    return float(np.mean(f["recorded"][inside] == f["recomputed"][inside])) if inside.any() else None


def action_agreement(ev: Evaluation) -> tuple[list, float | None]:
    """Per joint and all-joints agreement over the commands of the complete episodes."""
    done = {e.episode for e in ev.episodes}
    c = ev.commands
    mask = np.isin(c["episode"], list(done)) if len(c["episode"]) else np.zeros(0, bool)
    if not mask.any():
        return [None] * len(ev.joint_names), None
    same = c["recorded"][mask] == c["replayed"][mask]
    return [float(x) for x in same.mean(axis=0)], float(same.all(axis=1).mean())


def _write_csv(ev: Evaluation, path: Path) -> Path:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        head = ["episode", "return", "success", "reward_topic_sum", "recomputed_return", "reward_agreement",
                "length_s", "steps", "frames", "time_within_s", "min_distance_m", "safety_events",
                *[f"status_{s}" for s in STATUSES]]
        if ev.checkpoint:
            head += ["action_agreement_all", *[f"agreement_{j}" for j in ev.joint_names]]
        w.writerow(head)
        for e in ev.episodes:
            row = [e.episode, f"{e.recorded_return:g}", int(e.success), f"{e.reward_sum:g}",
                   f"{e.recomputed_return:g}", _fmt(e.reward_agreement, "{:.4f}"), f"{e.length:.3f}", e.steps,
                   e.frames, f"{e.time_within:.3f}", _fmt(e.min_distance, "{:.4f}"), len(e.safety_events),
                   *[e.safety.get(s, 0) for s in STATUSES]]
            if ev.checkpoint:
                row += [_fmt(e.action_all, "{:.4f}"),
                        *[_fmt(a, "{:.4f}") for a in (e.action_agreement if e.action_agreement is not None
                                                      else [None] * len(ev.joint_names))]]
            w.writerow(row)
    return path


def _write_json(ev: Evaluation, path: Path) -> Path:
    s = summary(ev)
    s["per_episode"] = [{"episode": e.episode, "return": e.recorded_return, "success": e.success,
                         "reward_topic_sum": e.reward_sum, "recomputed_return": e.recomputed_return,
                         "reward_agreement": e.reward_agreement, "length_s": e.length, "steps": e.steps,
                         "time_within_s": e.time_within, "min_distance_m": e.min_distance, "safety": e.safety,
                         "safety_events": [list(x) for x in e.safety_events],
                         "action_agreement": None if e.action_agreement is None else e.action_agreement.tolist(),
                         "action_agreement_all": e.action_all} for e in ev.episodes]
    path.write_text(json.dumps(s, indent=2, default=float) + "\n")
    return path


def _plots(ev: Evaluation, out: Path) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = {}
    eps = ev.episodes
    fig, ax = plt.subplots(figsize=(7, 3.2))
    if eps:
        x = [e.episode for e in eps]
        ax.bar(np.asarray(x) - 0.2, [e.recorded_return for e in eps], 0.4, label="recorded")
        ax.bar(np.asarray(x) + 0.2, [e.recomputed_return for e in eps], 0.4, label="recomputed by the tracker")
        ax.legend(fontsize=8)
    written["returns_png"] = _finish(plt, fig, ax, out / "returns.png", "episode", "return",
                                     "return per episode")

    f = ev.frames
    fig, ax = plt.subplots(figsize=(10, 3.2))
    if len(f["t"]):
        t = f["t"] - f["t"][0]
        ax.step(t, f["recorded"], where="post", label="recorded reward", lw=1)
        ax.step(t, f["recomputed"] * 0.9, where="post", label="recomputed (x0.9 for visibility)", lw=1)
        for e in eps:
            ax.axvspan(e.start - f["t"][0], e.end - f["t"][0], color="0.9", zorder=0)
            for ts, status, _ in e.safety_events:
                ax.axvline(ts - f["t"][0], color="r", lw=0.8)
        ax.legend(fontsize=8, loc="upper right")
    written["timeline_png"] = _finish(plt, fig, ax, out / "reward_timeline.png",
                                      "bag time (s); grey: complete episodes; red lines: safety-layer interventions",
                                      "reward",
                                      "reward timeline")

    if ev.checkpoint:
        per_joint, overall = action_agreement(ev)
        fig, ax = plt.subplots(figsize=(7, 3.2))
        values = [np.nan if v is None else v * 100 for v in per_joint]
        ax.bar(range(len(values)), values)
        ax.set_xticks(range(len(values)), ev.joint_names, rotation=30, ha="right", fontsize=8)
        ax.set_ylim(0, 105)
        written["agreement_png"] = _finish(
            plt, fig, ax, out / "action_agreement.png", None, "% of commands",
            "action agreement with the recorded commands"
            + ("" if overall is None else f" (all joints: {overall:.0%})"))
    return written


def _finish(plt, fig, ax, path: Path, xlabel: str | None, ylabel: str, title: str) -> Path:
    """Label, save and close one report figure."""
    if xlabel:
        ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _fmt(value, pattern: str) -> str:
    return "" if value is None else pattern.format(value)


def _pct(value) -> str:
    return "-" if value is None else f"{value:.1%}"


def _write_markdown(ev: Evaluation, path: Path, written: dict) -> Path:
    s = summary(ev)
    eps = ev.episodes
    lines = [f"# Evaluation of `{ev.bag}`", "",
             f"- storage: {ev.info.storage} (read with {ev.info.reader}); robot profile `{ev.profile}`",
             f"- {len(eps)} complete episodes; mean return "
             + (f"{s['mean_return']:.2f}, success rate {s['success_rate']:.0%}" if eps else "-"),
             f"- reward recomputed from the camera frames and joint states by the tracker: agrees with the "
             f"recorded reward on {_pct(s['reward_agreement'])} of the frames inside episodes",
             f"- camera frames: {s['camera_topic'] or '-'}; camera pose for the tracker: {ev.camera_source}",
             "- safety-layer interventions (driver status changes into clamped/limited/stale/estop/fault; not "
             f"safety violations, which end an episode): {s['safety_events']}",
             f"- {ev.frame_count} frames, {ev.duration:.1f} s of bag read in {ev.wall:.2f} s "
             f"({ev.realtime_factor:.0f}x real time)"]
    if ev.checkpoint:
        per_joint, overall = action_agreement(ev)
        lines.append(f"- policy re-run with `{ev.checkpoint}` on the recorded observations (LSTM reset at each "
                     f"episode start): same action on all joints for {_pct(overall)} of the recorded commands")
    custom = ev.info.custom_data
    if custom:
        lines.append("- recorded by: " + ", ".join(f"{k} `{v}`" for k, v in sorted(custom.items()) if v))
    lines += ["", "## Episodes", "",
              "| episode | return | success | recomputed | reward agreement | length (s) | steps | within 10 cm (s) "
              "| min distance (m) | safety-layer interventions |" + (" action agreement |" if ev.checkpoint else ""),
              "|---|---|---|---|---|---|---|---|---|---|" + ("---|" if ev.checkpoint else "")]
    for e in eps:
        events = ", ".join(f"{st}" for _, st, _ in e.safety_events) or "none"
        row = (f"| {e.episode} | {e.recorded_return:g} | {'yes' if e.success else 'no'} | {e.recomputed_return:g} "
               f"| {_pct(e.reward_agreement)} | {e.length:.2f} | {e.steps} | {e.time_within:.2f} | "
               f"{_fmt(e.min_distance, '{:.3f}') or '-'} | {events} |")
        if ev.checkpoint:
            row += f" {_pct(e.action_all)} |"
        lines.append(row)
    if ev.checkpoint:
        per_joint, _ = action_agreement(ev)
        lines += ["", "## Action agreement per joint", "", "| joint | agreement |", "|---|---|"]
        lines += [f"| {j} | {_pct(a)} |" for j, a in zip(ev.joint_names, per_joint)]
    lines += ["", "## Safety events", ""]
    any_event = False
    for e in eps:
        for ts, st, reason in e.safety_events:
            any_event = True
            lines.append(f"- episode {e.episode}, t = {ts:.3f} s: {st}" + (f" ({reason})" if reason else ""))
    if not any_event:
        lines.append("none")
    lines += ["", "## Skipped", ""]
    lines += [f"- {x}" for x in ev.skipped] or ["nothing"]
    if ev.info.ignored:
        lines += ["", "## Topics not evaluated", ""] + [f"- {x}" for x in ev.info.ignored]
    lines += ["", "## Figures", ""]
    for key, title in (("returns_png", "return per episode"), ("timeline_png", "reward timeline"),
                       ("agreement_png", "action agreement")):
        if key in written:
            lines.append(f"![{title}]({Path(written[key]).name})")
    if "video" in written:
        lines += ["", f"Video of selected episodes: [{Path(written['video']).name}]({Path(written['video']).name})"]
    path.write_text("\n".join(lines) + "\n")
    return path
