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

"""Analysis of each study from its output directory: the figure (PNG), a markdown table and a JSON of the
numbers, plus the lines a bench script prints (key numbers and ratios against a baseline of the same study).

Everything here reads only <out>/study.json and the run directories' episodes.csv (or, for zero-shot, the
score JSONs), so a figure can be drawn again at any time without training (`--plot-only`).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from jaco_prog.experiments import aggregate as agg
from jaco_prog.experiments import figures
from jaco_prog.experiments.studies import (RESUMES_LOG, TRANSFER_METHODS, Study, tuning_budget, unequal_budgets,
                                           variant_label)
from jaco_prog.learning.logger import EPISODES_CSV

FIGURE_NAMES = {"transfer": "fig5_transfer", "sensitivity": "fig6_sensitivity", "conveyor": "fig7_conveyor",
                "architectures": "fig4_architectures", "zero_shot": "zero_shot"}
# (method, baseline) pairs whose final returns a transfer report divides: each under the same value weight
TRANSFER_RATIOS = (("progressive", "finetune"), ("progressive", "scratch-narrow"), ("progressive", "scratch-wide"),
                   ("progressive-low-value", "finetune-low-value"))


@dataclass
class Report:
    figure: Path
    table: Path
    numbers: Path
    lines: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)

    def print(self) -> None:
        print(f"figure: {self.figure}")
        print(f"table:  {self.table}")
        print(f"numbers: {self.numbers}")
        for line in self.lines:
            print(line)


@dataclass
class Options:
    threshold: float = agg.DEFAULT_THRESHOLD
    final_window: int = agg.DEFAULT_FINAL_WINDOW
    window: int | None = None       # running-filter window in episodes; None: agg.auto_window
    statistic: str = "median"       # running filter per run: median (Fig. 5) or mean
    initial_window: int = 20        # conveyor: "immediate transfer" = mean return of the first episodes


def load_runs(study: Study, out_dir: str | Path) -> dict[str, agg.RunData]:
    """The runs of the study that have logged at least one episode."""
    runs = {}
    for trial in study.trials:
        path = Path(out_dir) / trial.name / EPISODES_CSV
        if path.is_file():
            run = agg.RunData.load(path.parent, trial.name)
            if run.episodes:
                runs[trial.name] = run
    return runs


def _outputs(out_dir: Path, study_name: str) -> tuple[Path, Path, Path]:
    base = FIGURE_NAMES[study_name]
    return out_dir / f"{base}.png", out_dir / f"{base}.md", out_dir / f"{base}.json"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _filter_text(opts: Options, window: int) -> str:
    return (f"Per run: running {opts.statistic} over {window} episodes; solid: median over runs, band: "
            f"inter-quartile range, dotted: single runs; dashed line: {opts.threshold:g}")


def study_resumes(study: Study, out_dir: str | Path) -> dict:
    """What <out>/resumes.csv (experiments.cli.run_study) logged for the study's trials: the number of resumes
    and, per trial, the steps it resumed from."""
    import csv

    path = Path(out_dir) / RESUMES_LOG
    by_trial: dict[str, list[int]] = {}
    if path.is_file():
        names = {t.name for t in study.trials}
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                if row.get("trial") in names and row.get("step"):
                    by_trial.setdefault(row["trial"], []).append(int(float(row["step"])))
    return {"logged": sum(len(v) for v in by_trial.values()), "by_trial": by_trial}


def _resumes_data(study: Study, out_dir: Path, runs: dict) -> dict:
    """The JSON's record of resumes: those the study logged, and the runs whose own directory says they were
    resumed (also by a run trained elsewhere and copied in)."""
    return {**study_resumes(study, out_dir), "runs_resumed": sum(bool(run.resumed_at) for run in runs.values())}


def _runs_note(study: Study, runs: dict, resumes: dict | None = None) -> str:
    """How many planned runs have episodes (and how many were resumed; `resumes`: what the study's resumes
    log holds), and the --set overrides every run trained with (a figure must say when it departs from the
    defaults, e.g. value_coef=0.01)."""
    text = f"{len(runs)} of {len(study.trials)} planned runs have episodes"
    resumed = sum(bool(run.resumed_at) for run in runs.values())
    if resumed:  # its environments restarted there: an uninterrupted rerun of the same seed will not match it
        text += f" ({resumed} resumed from a checkpoint)"
    if resumes and resumes.get("logged"):
        text += f"; {resumes['logged']} resume(s) logged in {RESUMES_LOG}"
    extra = {k: v for k, v in (study.params.get("extra") or {}).items()  # a method may override a --set value
             if all(t.overrides.get(k) == v for t in study.trials)}
    if extra:
        text += "; every run with " + ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                                                for k, v in sorted(extra.items()))
    return text


def _method_runs(study: Study, runs: dict, panel: str, method: str) -> list[agg.RunData]:
    return [runs[name] for name in study.runs(panel, method) if name in runs]


def _curves_and_summaries(study: Study, runs: dict, panels: list[str], methods: list[str], grid_until: dict,
                          window: int, opts: Options):
    curves, summaries = {}, {}
    for panel in panels:
        present = [m for m in methods if study.runs(panel, m)]
        if not present:
            continue
        grid = agg.common_grid(list(runs.values()), until=grid_until.get(panel))
        curves[panel] = [agg.method_curves(m, _method_runs(study, runs, panel, m), grid, window, opts.statistic)
                         for m in present]
        summaries[panel] = {m: agg.summarise(m, _method_runs(study, runs, panel, m), opts.threshold, window,
                                             opts.final_window, opts.statistic) for m in present}
    return curves, summaries


def _summary_tables(summaries: dict, opts: Options, extra_cols=None) -> str:
    text = ""
    for panel, by_method in summaries.items():
        text += f"\n### {panel}\n\n"
        headers = agg.summary_headers(opts.threshold, opts.final_window)
        rows = []
        for summary in by_method.values():
            row = agg.summary_row(summary)
            if extra_cols:
                row += extra_cols(panel, summary)
            rows.append(row)
        if extra_cols:
            headers = headers + extra_cols(None, None)
        text += agg.markdown_table(headers, rows)
    return text


def _final_median(summary: agg.MethodSummary | None) -> float:
    return summary.final_quartiles[1] if summary else math.nan


def _ratio_line(name: str, a: float, b: float) -> tuple[str, float]:
    r = agg.ratio(a, b)
    return f"{name}: {agg.fmt_number(a, 2)} / {agg.fmt_number(b, 2)} = {agg.fmt_ratio(r)}", r


def _dump(path: Path, data: dict) -> None:
    _write(path, json.dumps(_jsonable(data), indent=1) + "\n")


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return None if math.isnan(value) else ("not reached" if math.isinf(value) else value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _ckpt_name(path: str) -> str:
    """A checkpoint as a figure names it: the file, or run-dir/checkpoint.pt."""
    path = Path(path)
    return f"{path.parent.name}/{path.name}" if path.name == "checkpoint.pt" else path.name


def _agent_text(params: dict) -> str:
    """The agent a study's runs trained with: one env per agent (a robot's one stream) and the updates that
    makes, or the lockstep envs of a simulation-only run (plans saved before n_steps was recorded: envs only)."""
    algo, envs, n_steps = params.get("algo", "a2c").upper(), params.get("envs"), params.get("n_steps")
    if envs == 1:
        text = f"{algo} on one env per agent (one robot's stream)"
    else:
        text = f"{algo} with {envs} envs"
    if n_steps and params.get("updates_per_run") is not None:
        text += f", {params['updates_per_run']:,} updates of {n_steps} steps" + (f" x {envs} envs" if envs != 1 else "")
    return text


def _budget_text(params: dict) -> str:
    seeds = params.get("seeds")
    seeds_text = f"{len(seeds)} seeds" if isinstance(seeds, list) else ""
    return f"{params['steps']:,} env steps per run, {seeds_text}, {_agent_text(params)}".replace(", ,", ",")


def _fmt_lr(lr) -> str:
    return "default lr" if lr is None else f"{lr:g}"


def _budget_record(study: Study, runs: dict) -> tuple[dict, list[str]]:
    """The tuning budget each method had (planned, and in the runs found) and warning lines where the methods
    compared did not have the same one."""
    planned, found = tuning_budget(study), tuning_budget(study, runs)
    problems = [f"planned, {p}" for p in unequal_budgets(planned)]
    problems += [f"runs found, {p}" for p in unequal_budgets(found)]
    record = {"planned": planned, "found": found, "equal": not problems, "unequal": problems}
    warnings = [f"warning: methods compared at unequal tuning budgets ({p}); a best-of-more comparison favours "
                f"the method tuned more" for p in problems]
    return record, warnings


def _inputs(study: Study, out_dir: str | Path, opts: Options | None) -> tuple[Options, Path, dict]:
    """What every report starts from: its options (defaults if none), its directory and the runs found there."""
    out_dir = Path(out_dir)
    return opts or Options(), out_dir, load_runs(study, out_dir)


# ------------------------------------------------------------------------------------------------ Fig. 5

def _ratio_pairs(study: Study) -> list[tuple[str, str]]:
    """(method, baseline) pairs of a transfer study: TRANSFER_RATIOS at each output-layer lr scale (a scratch
    baseline has none), and each scaled method against the same method at scale 1."""
    scales = study.params.get("output_lr_scales") or [None]

    def at(method: str, scale) -> str:
        return variant_label(method, None if TRANSFER_METHODS.get(method, {}).get("mode") == "scratch" else scale)

    pairs = [(at(a, s), at(b, s)) for s in scales for a, b in TRANSFER_RATIOS]
    pairs += [(at(m, s), m) for s in scales for m in TRANSFER_METHODS if at(m, s) != m]
    return list(dict.fromkeys(pairs))


def _best_lr(study: Study, runs: dict, opts: Options) -> tuple[dict, dict]:
    """With a learning-rate sweep: per panel and method, the median final return at each learning rate and
    the best one ({panel: {method: {lr: median}}}, {panel: {method: lr}}); empty without a sweep."""
    if not study.params.get("lrs"):
        return {}, {}
    by_lr, best = {}, {}
    for panel in study.panels:
        for method in study.methods:
            groups: dict[float, list[float]] = {}
            for name in study.runs(panel, method):
                lr = study.labels[name].get("lr")  # None: an arm of a comparison trained at one --set lr
                groups.setdefault(lr, [])
                if name in runs:
                    groups[lr].append(runs[name].final_return(opts.final_window))
            if not groups:
                continue
            medians = {lr: agg.quartiles(v)[1] for lr, v in groups.items()}
            by_lr.setdefault(panel, {})[method] = medians
            scored = {lr: m for lr, m in medians.items() if not math.isnan(m)}
            best.setdefault(panel, {})[method] = max(scored, key=scored.get) if scored else None
    return by_lr, best


def transfer_report(study: Study, out_dir: str | Path, opts: Options | None = None) -> Report:
    opts, out_dir, all_runs = _inputs(study, out_dir, opts)
    window = opts.window or agg.auto_window(list(all_runs.values()))
    p = study.params
    lr_medians, best_lr = _best_lr(study, all_runs, opts)

    def at_best_lr(name: str) -> bool:
        lab = study.labels[name]
        return best_lr.get(lab["panel"], {}).get(lab["method"], math.nan) == lab.get("lr")

    runs = {n: r for n, r in all_runs.items() if at_best_lr(n)} if best_lr else all_runs
    curves, summaries = _curves_and_summaries(study, runs, study.panels, study.methods,
                                              {panel: p["steps"] for panel in study.panels}, window, opts)
    budget, lines = _budget_record(study, all_runs)
    resumes = _resumes_data(study, out_dir, all_runs)
    ratios = {}
    pooled = {m: [v for panel in summaries for v in (summaries[panel][m].final if m in summaries[panel] else [])]
              for m in study.methods}
    pooled_row = [("all presets (pooled runs)", None)] if len(summaries) > 1 else []
    for panel, by_method in list(summaries.items()) + pooled_row:
        if by_method is None:
            finals = {m: agg.quartiles(v)[1] for m, v in pooled.items()}
        else:
            finals = {m: _final_median(s) for m, s in by_method.items()}
        ratios[panel] = {}
        parts = []
        for method, baseline in _ratio_pairs(study):
            if method in finals and baseline in finals:
                text, r = _ratio_line(f"{method} / {baseline}", finals[method], finals[baseline])
                ratios[panel][f"{method}/{baseline}"] = r
                parts.append(text)
        medians = ", ".join(f"{m} {agg.fmt_number(v, 2)}" for m, v in finals.items())
        at_best = " at each method's best lr" if best_lr else ""
        lines.append(f"{panel}: final return (median over seeds{at_best}) {medians}")
        if panel in best_lr:
            lines.append(f"  best lr (of {len(p['lrs'])} each, median final over seeds): "
                         + ", ".join(f"{m} {_fmt_lr(lr)}" for m, lr in best_lr[panel].items()))
        lines += [f"  {t}" for t in parts]
    figure, table, numbers = _outputs(out_dir, "transfer")
    title = f"Transfer from column 1 (Fig. 5): {_budget_text(p)}"
    tuned = (f"Learning rate swept over {', '.join(_fmt_lr(v) for v in p['lrs'])} for every method (the same "
             f"seeds at each); shown: each method at its best, by median final return. ") if best_lr else ""
    caption = (f"Column 1: {_ckpt_name(p['checkpoint'])}. {tuned}{_filter_text(opts, window)}. "
               f"{_runs_note(study, all_runs, resumes)}.")
    figures.curves_figure(curves, figure, title, caption, threshold=opts.threshold)
    ratio_names = sorted({k for r in ratios.values() for k in r})
    text = f"# Transfer (paper Fig. 5)\n\n{title}. {caption}\n" + _summary_tables(summaries, opts)
    if ratio_names:  # a study of one method (or none of the compared pairs) has no ratios to tabulate
        text += ("\n### ratios of final returns (medians over seeds)\n\n"
                 + agg.markdown_table(["preset"] + ratio_names,
                                      [[panel] + [agg.fmt_ratio(r.get(k, math.nan)) for k in ratio_names]
                                       for panel, r in ratios.items()]))
    if lr_medians:
        lrs = p["lrs"]
        text += ("\n### final return (median over seeds) at each learning rate\n\n"
                 + agg.markdown_table(["preset", "method"] + [_fmt_lr(v) for v in lrs] + ["best"],
                                      [[panel, m] + [agg.fmt_number(by[m].get(v, math.nan), 2) for v in lrs]
                                       + [_fmt_lr(best_lr[panel][m])] for panel, by in lr_medians.items()
                                       for m in by]))
    if budget["unequal"]:
        text += "\n" + "\n".join(f"- {line}" for line in lines if line.startswith("warning:")) + "\n"
    _write(table, text)
    data = {"study": "transfer", "params": p, "window": window, "threshold": opts.threshold,
            "final_window": opts.final_window, "runs_found": len(all_runs), "runs_planned": len(study.trials),
            "summaries": {panel: {m: s.to_dict() for m, s in by.items()} for panel, by in summaries.items()},
            "ratios": ratios, "tuning_budget": budget, "resumes": resumes}
    if best_lr:
        data.update(best_lr=best_lr, final_median_per_lr={panel: {m: {_fmt_lr(lr): v for lr, v in by[m].items()}
                                                                  for m in by} for panel, by in lr_medians.items()})
    _dump(numbers, data)
    return Report(figure, table, numbers, lines, data)


# ------------------------------------------------------------------------------------------------ Fig. 6

def _prob_greater(a: list[float], b: list[float]) -> float:
    """P(X > Y) + P(X = Y)/2 over all pairs (the Mann-Whitney U / common-language effect size)."""
    if not a or not b:
        return math.nan
    wins = sum((x > y) + 0.5 * (x == y) for x in a for y in b)
    return wins / (len(a) * len(b))


def sensitivity_report(study: Study, out_dir: str | Path, opts: Options | None = None) -> Report:
    opts, out_dir, runs = _inputs(study, out_dir, opts)
    p = study.params
    scores, stats, lines = {}, {}, []
    for panel in study.panels:
        scores[panel] = {}
        for method in study.methods:
            entries = []
            for name in study.runs(panel, method):
                labels = study.labels[name]
                final = runs[name].final_return(opts.final_window) if name in runs else math.nan
                entries.append({"name": name, "sample": labels.get("sample"), "lr": labels.get("lr"),
                                "entropy_coef": labels.get("entropy_coef"), "final": final})
            scores[panel][method] = entries
        prog = [e["final"] for e in scores[panel].get("progressive", []) if not math.isnan(e["final"])]
        fine = [e["final"] for e in scores[panel].get("finetune", []) if not math.isnan(e["final"])]
        by_sample = {m: {e["sample"]: e["final"] for e in scores[panel].get(m, []) if not math.isnan(e["final"])}
                     for m in ("progressive", "finetune")}
        paired = [s for s in by_sample["progressive"] if s in by_sample["finetune"]]
        wins = sum(by_sample["progressive"][s] > by_sample["finetune"][s] for s in paired)
        q_prog, q_fine = agg.quartiles(prog), agg.quartiles(fine)
        text, r = _ratio_line("median final progressive / finetune", q_prog[1], q_fine[1])
        stats[panel] = {
            "progressive": {"runs": len(prog), "median": q_prog[1], "q25": q_prog[0], "q75": q_prog[2],
                            "mean": float(np.mean(prog)) if prog else math.nan,
                            "reaching_threshold": sum(v >= opts.threshold for v in prog)},
            "finetune": {"runs": len(fine), "median": q_fine[1], "q25": q_fine[0], "q75": q_fine[2],
                         "mean": float(np.mean(fine)) if fine else math.nan,
                         "reaching_threshold": sum(v >= opts.threshold for v in fine)},
            "ratio_median_progressive_finetune": r,
            "p_progressive_beats_finetune": _prob_greater(prog, fine),
            "paired_wins_progressive": wins, "paired_samples": len(paired)}
        for method in ("progressive", "finetune"):  # the method's best sample, for "at its best lr" readers
            scored = [e for e in scores[panel].get(method, []) if not math.isnan(e["final"])]
            top = max(scored, key=lambda e: e["final"]) if scored else None
            stats[panel][method]["best"] = {"final": top["final"], "lr": top["lr"],
                                            "entropy_coef": top["entropy_coef"]} if top else None
        lines.append(f"{panel}: {text}; P(progressive run > finetune run) = "
                     f"{agg.fmt_number(stats[panel]['p_progressive_beats_finetune'], 2)}; progressive better in "
                     f"{wins} of {len(paired)} paired (lr, entropy, seed) samples")
    budget, warnings = _budget_record(study, runs)
    lines += warnings
    resumes = _resumes_data(study, out_dir, runs)
    figure, table, numbers = _outputs(out_dir, "sensitivity")
    n_samples = p.get("samples")
    title = (f"Sensitivity, progressive vs finetune (Fig. 6): {n_samples} samples per method and preset, "
             f"{p['steps']:,} env steps each, {_agent_text(p)}")
    caption = (f"lr log-uniform in [{p['lr_range'][0]:g}, {p['lr_range'][1]:g}], entropy cost log-uniform in "
               f"[{p['entropy_range'][0]:g}, {p['entropy_range'][1]:g}], seed = sample index (the same samples for "
               f"both methods). Final return: mean of the last {opts.final_window} episodes. Column 1: "
               f"{_ckpt_name(p['checkpoint'])}. {_runs_note(study, runs, resumes)}.")
    figures.sensitivity_figure(scores, figure, title, caption, threshold=opts.threshold)
    headers = ["preset", "method", "runs", "final return median [IQR]", "mean", f"runs >= {opts.threshold:g}",
               "median ratio prog/finetune", "P(prog > finetune)", "paired wins (prog)"]
    rows = []
    for panel, s in stats.items():
        for method in ("progressive", "finetune"):
            m = s[method]
            rows.append([panel, method, m["runs"], agg.fmt_iqr((m["q25"], m["median"], m["q75"])),
                         agg.fmt_number(m["mean"], 2), m["reaching_threshold"],
                         agg.fmt_ratio(s["ratio_median_progressive_finetune"]) if method == "progressive" else "",
                         agg.fmt_number(s["p_progressive_beats_finetune"], 2) if method == "progressive" else "",
                         f"{s['paired_wins_progressive']}/{s['paired_samples']}" if method == "progressive" else ""])
    _write(table, f"# Sensitivity (paper Fig. 6)\n\n{title}. {caption}\n\n" + agg.markdown_table(headers, rows)
           + "".join(f"\n- {line}" for line in warnings) + ("\n" if warnings else ""))
    data = {"study": "sensitivity", "params": p, "threshold": opts.threshold, "final_window": opts.final_window,
            "runs_found": len(runs), "runs_planned": len(study.trials), "presets": stats, "runs": scores,
            "tuning_budget": budget, "resumes": resumes}
    _dump(numbers, data)
    return Report(figure, table, numbers, lines, data)


# ------------------------------------------------------------------------------------------------ Fig. 7

CONVEYOR_PAIR = ("2nd column", "3rd column")


def conveyor_report(study: Study, out_dir: str | Path, opts: Options | None = None) -> Report:
    opts, out_dir, runs = _inputs(study, out_dir, opts)
    window = opts.window or agg.auto_window(list(runs.values()))
    p = study.params
    until = {"conveyor": p["steps"], "static reach (column 2)": p["column2_steps"]}
    curves, summaries = {}, {}
    for panel in study.panels:
        present = [m for m in study.methods if study.runs(panel, m)]
        panel_runs = {n: r for n, r in runs.items() if study.labels[n]["panel"] == panel}
        grid = agg.common_grid(list(panel_runs.values()), until=until[panel])
        curves[panel] = [agg.method_curves(m, _method_runs(study, runs, panel, m), grid, window, opts.statistic)
                         for m in present]
        summaries[panel] = {m: agg.summarise(m, _method_runs(study, runs, panel, m), opts.threshold, window,
                                             opts.final_window, opts.statistic) for m in present}
    initial = {m: [float(np.mean(r.returns[:opts.initial_window])) for r in _method_runs(study, runs, "conveyor", m)]
               for m in CONVEYOR_PAIR}
    conv = summaries.get("conveyor", {})
    second, third = conv.get("2nd column"), conv.get("3rd column")
    lines, ratios = [], {}
    text, ratios["final 3rd/2nd"] = _ratio_line("final return, 3rd column / 2nd column", _final_median(third),
                                                _final_median(second))
    lines.append(text)
    text, ratios["initial 3rd/2nd"] = _ratio_line(
        f"mean return of the first {opts.initial_window} episodes, 3rd / 2nd column",
        agg.quartiles(initial["3rd column"])[1], agg.quartiles(initial["2nd column"])[1])
    lines.append(text)
    s2 = second.threshold_median if second else math.nan
    s3 = third.threshold_median if third else math.nan
    speedup = s2 / s3 if math.isfinite(s2) and math.isfinite(s3) and s3 > 0 else math.nan
    ratios["steps to threshold 2nd/3rd"] = speedup
    lines.append(f"steps to {opts.threshold:g}: 2nd column {agg.fmt_steps(s2)}, 3rd column {agg.fmt_steps(s3)}"
                 + (f" (speed-up {speedup:.2f}x)" if not math.isnan(speedup) else ""))
    col2 = summaries.get("static reach (column 2)", {}).get("column 2")
    if col2:
        lines.append(f"column 2 on static reach (stage 1): final return median {agg.fmt_number(_final_median(col2))}")
    resumes = _resumes_data(study, out_dir, runs)
    figure, table, numbers = _outputs(out_dir, "conveyor")
    title = (f"Conveyor task (Fig. 7): proprio-only {p['arch'].upper()} column as 2nd vs 3rd column; "
             f"{_budget_text(p)}")
    caption = (f"Column 2 (3rd-column runs): narrow LSTM on {p['column2_inputs']}, static reach, "
               f"{p['column2_steps']:,} steps, preset {p['preset']}; conveyor runs on preset {p['preset']}. Column 1: "
               f"{_ckpt_name(p['checkpoint'])}. {_filter_text(opts, window)}. {_runs_note(study, runs, resumes)}.")
    figures.curves_figure(curves, figure, title, caption, threshold=opts.threshold)

    def initial_col(panel, summary):
        if summary is None:
            return [f"first {opts.initial_window} episodes: mean return (median)"]
        values = initial.get(summary.label) if panel == "conveyor" else None
        return [agg.fmt_number(agg.quartiles(values)[1]) if values else "–"]

    text = (f"# Conveyor (paper Fig. 7)\n\n{title}. {caption}\n" + _summary_tables(summaries, opts, initial_col)
            + "\n" + "\n".join(f"- {line}" for line in lines) + "\n")
    _write(table, text)
    data = {"study": "conveyor", "params": p, "window": window, "threshold": opts.threshold,
            "final_window": opts.final_window, "initial_window": opts.initial_window, "runs_found": len(runs),
            "runs_planned": len(study.trials),
            "summaries": {panel: {m: s.to_dict() for m, s in by.items()} for panel, by in summaries.items()},
            "initial_return_per_run": initial, "ratios": ratios, "resumes": resumes}
    _dump(numbers, data)
    return Report(figure, table, numbers, lines, data)


# ------------------------------------------------------------------------------------------------ Fig. 4

def architectures_report(study: Study, out_dir: str | Path, opts: Options | None = None) -> Report:
    opts = opts or Options(statistic="mean")
    out_dir = Path(out_dir)
    runs = load_runs(study, out_dir)
    window = opts.window or agg.auto_window(list(runs.values()))
    p = study.params
    curves, summaries = _curves_and_summaries(study, runs, study.panels, study.methods,
                                              {panel: p["steps"] for panel in study.panels}, window, opts)
    final = {(panel, m): _final_median(s) for panel, by in summaries.items() for m, s in by.items()}
    lines, ratios = [], {}
    for arch in study.panels:
        text, ratios[f"{arch}: wide/narrow"] = _ratio_line(f"{arch}: final return wide / narrow",
                                                           final.get((arch, "wide"), math.nan),
                                                           final.get((arch, "narrow"), math.nan))
        lines.append(text)
    for column in study.methods:
        text, ratios[f"{column}: lstm/ff"] = _ratio_line(f"{column}: final return lstm / ff",
                                                         final.get(("lstm", column), math.nan),
                                                         final.get(("ff", column), math.nan))
        lines.append(text)
    resumes = _resumes_data(study, out_dir, runs)
    figure, table, numbers = _outputs(out_dir, "architectures")
    panel_titles = {"ff": "feedforward", "lstm": "LSTM"}
    named = {panel_titles.get(k, k): v for k, v in curves.items()}
    where = p["task"] + (f" / {p['preset']}" if p.get("preset") else " (domain randomisation)")
    title = f"Columns from scratch in simulation (Fig. 4), {where}: {_budget_text(p)}"
    caption = (f"The paper trains 50 M steps (A3C); this budget is {p['steps']:,} steps per run. "
               f"{_filter_text(opts, window)}. {_runs_note(study, runs, resumes)}.")
    figures.curves_figure(named, figure, title, caption, threshold=opts.threshold)
    text = (f"# Architectures (paper Fig. 4)\n\n{title}. {caption}\n" + _summary_tables(summaries, opts)
            + "\n" + "\n".join(f"- {line}" for line in lines) + "\n")
    _write(table, text)
    data = {"study": "architectures", "params": p, "window": window, "threshold": opts.threshold,
            "final_window": opts.final_window, "statistic": opts.statistic, "runs_found": len(runs),
            "runs_planned": len(study.trials),
            "summaries": {panel: {m: s.to_dict() for m, s in by.items()} for panel, by in summaries.items()},
            "ratios": ratios, "resumes": resumes}
    _dump(numbers, data)
    return Report(figure, table, numbers, lines, data)


REPORTS = {"transfer": transfer_report, "sensitivity": sensitivity_report, "conveyor": conveyor_report,
           "architectures": architectures_report}


# ------------------------------------------------------------------------------------------------ zero-shot

def zero_shot_report(scores: list[dict], plan: dict, out_dir: str | Path) -> Report:
    """`scores`: SimScore.summary() dicts with a "label", in the plan's order (the training task first)."""
    out_dir = Path(out_dir)
    figure, table, numbers = _outputs(out_dir, "zero_shot")
    baseline = scores[0]["mean_return"] if scores else math.nan
    rows, lines = [], []
    for s in scores:
        r = agg.ratio(s["mean_return"], baseline)
        s["ratio_to_training_task"] = r
        broken = ", ".join(f"{k} {v}" for k, v in sorted(s["violations"].items())) or "none"
        rows.append([s["label"], s["episodes"], f"{s['mean_return']:.1f} ± {agg.fmt_number(s['stderr'])}",
                     f"{100 * s['success_rate']:.0f} %", agg.fmt_ratio(r), broken])
        lines.append(f"{s['label']}: mean return {s['mean_return']:.1f} ± {agg.fmt_number(s['stderr'])}, success "
                     f"{100 * s['success_rate']:.0f} %, vs training task {agg.fmt_ratio(r)}")
    title = (f"Zero-shot: column 1 ({_ckpt_name(plan['checkpoint'])}) without training, greedy, "
             f"{plan['episodes']} episodes per condition")
    caption = ("Mean return ± standard error over held-out evaluation seeds (jaco_prog.evaluation.sim_score); "
               "labels above bars: share of episodes that scored at least once. Green: the training task.")
    figures.zero_shot_figure(scores, figure, title, caption)
    _write(table, f"# Zero-shot transfer of column 1\n\n{title}. {caption}\n\n" + agg.markdown_table(
        ["condition", "episodes", "mean return ± s.e.", "success", "vs training task", "safety terminations"],
        rows))
    _dump(numbers, {"study": "zero_shot", "plan": plan, "scores": scores})
    return Report(figure, table, numbers, lines, {"scores": scores})
