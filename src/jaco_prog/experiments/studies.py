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

"""The paper's experiments (Rusu et al. 2017, sections 4.1-4.3) as studies: lists of training trials for
jaco_prog.sweep.run_trials, with labels saying which panel, method and seed each trial belongs to.

- transfer (Fig. 5): per preset, a narrow progressive LSTM column 2, column 1 finetuned, narrow and wide
  LSTM columns from scratch.
- sensitivity (Fig. 6): per preset, progressive vs finetune over log-uniform lr and entropy cost samples
  (the same samples for both methods).
- conveyor (Fig. 7): a proprio-only column on the conveyor as column 2, or as column 3 after a
  pixels+proprio column 2 trained on static reach.
- architectures (Fig. 4): from scratch, wide/narrow x LSTM/feedforward on the randomised reach task.
- zero-shot: no training; column 1 scored on every preset and on its own task.

The robot columns of the paper were trained with a single-threaded A2C agent (section 4.1) on one robot,
so the robot-side trials here (transfer, sensitivity, conveyor) use `algo: a2c` with ROBOT_ENVS = 1
environment per agent: 60 000 steps are 60 000 / n_steps updates on one stream of experience, as on the
arm (`envs` takes more, for a simulation-only comparison). A study is planned for one output directory: each
trial trains into <out>/<trial name>, and the 3rd-column conveyor trials start from the checkpoint their
stage-1 trial writes there.

Methods compared at their best learning rate get the same tuning budget: the transfer study's `lrs` sweep
trains every method at every learning rate with every seed, and `tuning_budget` says what each method got
(the reports record it and warn where the runs found differ; bench/compare_transfer.py refuses arms of
unequal budgets).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

STUDY_FILE = "study.json"
RESUMES_LOG = "resumes.csv"  # in a study's out dir: time, trial, step of every resume of one of its trials

TRANSFER_PRESETS = ("real_proxy", "colour_small", "colour_large", "perspective_small", "perspective_large")
PERTURBATION_PRESETS = ("colour_small", "colour_large", "perspective_small", "perspective_large")  # Fig. 6

ROBOT_ENVS = 1                   # a real robot is one environment: one agent, one stream of experience
LR_RANGE = (5e-5, 5e-3)          # paper section 4.1, log-uniform
ENTROPY_RANGE = (1e-5, 1e-2)

# Transfer methods: label -> overrides (mode, column, arch); progressive/finetune start from column 1.
TRANSFER_METHODS = {
    "progressive": {"mode": "progressive", "column": "narrow", "arch": "lstm"},
    "finetune": {"mode": "finetune"},
    "scratch-narrow": {"mode": "scratch", "column": "narrow", "arch": "lstm"},
    "scratch-wide": {"mode": "scratch", "column": "wide", "arch": "lstm"},
    "progressive-wide": {"mode": "progressive", "column": "wide", "arch": "lstm"},  # Fig. 5 has it too; opt-in
    # Column 1 learnt its value with weight 0.01 (DAgger, learning/imitation.py); at the A3C default of 0.5 the
    # value loss's gradients swamp the shared core of a finetuned column 1 (docs/results.md). Both methods at
    # column 1's weight too, so finetuning is not compared only at a weight that wrecks it.
    "progressive-low-value": {"mode": "progressive", "column": "narrow", "arch": "lstm", "value_coef": 0.01},
    "finetune-low-value": {"mode": "finetune", "value_coef": 0.01},
}
DEFAULT_TRANSFER_METHODS = ("progressive", "finetune", "progressive-low-value", "finetune-low-value", "scratch-narrow",
                            "scratch-wide")
SENSITIVITY_METHODS = ("progressive", "finetune")
CONVEYOR_METHODS = ("2nd column", "3rd column")

# Budgets. Smoke: finishes in a few minutes on 2 cores (see docs/results_howto.md for measured times);
# full: the paper's robot budget (60 000 steps, about four hours on the real arm) with 5 seeds. The robot-side
# studies run one env per agent (ROBOT_ENVS), as one robot does.
SCALES = {
    "transfer": {
        "smoke": {"presets": ("real_proxy", "colour_large"), "seeds": 2, "steps": 6000, "envs": ROBOT_ENVS},
        "full": {"presets": TRANSFER_PRESETS, "seeds": 5, "steps": 60_000, "envs": ROBOT_ENVS},
    },
    "sensitivity": {
        "smoke": {"presets": ("colour_large",), "samples": 6, "steps": 5000, "envs": ROBOT_ENVS},
        # the paper's four perturbations, then the real proxy, where the transfer target is set
        "full": {"presets": PERTURBATION_PRESETS + ("real_proxy",), "samples": 20, "steps": 60_000,
                 "envs": ROBOT_ENVS},
    },
    "conveyor": {
        "smoke": {"seeds": 2, "steps": 8000, "envs": ROBOT_ENVS},
        "full": {"seeds": 5, "steps": 60_000, "envs": ROBOT_ENVS},
    },
    "architectures": {
        "smoke": {"seeds": 2, "steps": 10_000},
        "full": {"seeds": 5, "steps": 1_000_000},
    },
    "zero_shot": {
        "smoke": {"presets": TRANSFER_PRESETS, "episodes": 20},
        "full": {"presets": TRANSFER_PRESETS, "episodes": 100},
    },
}


def _trial(name: str, overrides: dict):
    from jaco_prog.sweep import Trial  # the sweep runner owns the trial record
    return Trial(name=name, overrides=dict(overrides))


@dataclass
class Study:
    """Trials in stages (a stage's trials may depend on checkpoints an earlier stage writes), labels per trial
    (panel, method, seed, ...) and the parameters the figures state."""
    name: str
    stages: list[list]
    labels: dict[str, dict]
    params: dict
    panels: list[str]
    methods: list[str]

    @property
    def trials(self) -> list:
        return [t for stage in self.stages for t in stage]

    def runs(self, panel: str, method: str) -> list[str]:
        """Trial names of one panel and method, in seed order."""
        return [t.name for t in self.trials
                if self.labels[t.name]["panel"] == panel and self.labels[t.name]["method"] == method]

    def only_panels(self, panels) -> "Study":
        """The same study restricted to some of its panels (presets), e.g. to draw a figure for part of a plan."""
        panels = list(panels)
        unknown = [p for p in panels if p not in self.panels]
        if unknown:
            from jaco_prog.errors import UserError
            raise UserError(f"the {self.name} study here has no panel {unknown[0]!r} (it has "
                            f"{', '.join(self.panels)})")
        keep = [p for p in self.panels if p in panels]
        stages = [[t for t in stage if self.labels[t.name]["panel"] in keep] for stage in self.stages]
        params = dict(self.params)
        if "presets" in params:
            params["presets"] = [p for p in params["presets"] if p in keep]
        return Study(self.name, [s for s in stages if s], {t.name: self.labels[t.name] for st in stages for t in st},
                     params, keep, list(self.methods))

    def to_dict(self) -> dict:
        return {"study": self.name, "params": self.params, "panels": self.panels, "methods": self.methods,
                "stages": [[{"name": t.name, "overrides": t.overrides, "labels": self.labels[t.name]}
                            for t in stage] for stage in self.stages]}

    @classmethod
    def from_dict(cls, data: dict) -> "Study":
        stages, labels = [], {}
        for stage in data["stages"]:
            stages.append([_trial(t["name"], t["overrides"]) for t in stage])
            labels.update({t["name"]: t["labels"] for t in stage})
        return cls(data["study"], stages, labels, data["params"], list(data["panels"]), list(data["methods"]))

    def save(self, out_dir: str | Path) -> Path:
        """Write <out>/study.json. An out dir planned with other trial settings is refused (its runs would be
        skipped as finished, or resumed under another budget): choose another --out. The file holds the latest
        plan only: runs of an earlier, larger plan stay on disk but are not reported."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / STUDY_FILE
        if path.is_file():
            old = load_study(out_dir)
            new_overrides = {t.name: t.overrides for t in self.trials}
            clashes = [t.name for t in old.trials
                       if t.name in new_overrides and _comparable(t.overrides) != _comparable(new_overrides[t.name])]
            old_print, new_print = old.params.get("checkpoint_fingerprint"), self.params.get("checkpoint_fingerprint")
            if not _same_checkpoint(old_print, new_print) and \
                    old.params.get("checkpoint") == self.params.get("checkpoint"):
                from jaco_prog.errors import UserError
                raise UserError(f"{out_dir} was planned with another version of {self.params['checkpoint']} (its "
                                f"content has changed since); pass another --out or delete it")
            if clashes:
                from jaco_prog.errors import UserError
                old_o, new_o = _comparable(old.trials_by_name[clashes[0]].overrides), \
                    _comparable(new_overrides[clashes[0]])
                diff = {k: (old_o.get(k), new_o.get(k)) for k in sorted(set(old_o) | set(new_o))
                        if old_o.get(k) != new_o.get(k)}
                raise UserError(f"{out_dir} holds this study with other settings for {len(clashes)} trial(s), "
                                f"e.g. {clashes[0]}: {diff} (old, new); pass another --out or delete it")
        data = self.to_dict()
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=1))
        tmp.replace(path)
        return path

    @property
    def trials_by_name(self) -> dict:
        return {t.name: t for t in self.trials}


def _comparable(overrides: dict) -> dict:
    """Overrides that decide what a trial computes (not how it is shown)."""
    return {k: v for k, v in overrides.items() if k not in ("progress",)}


def load_study(out_dir: str | Path) -> Study:
    path = Path(out_dir) / STUDY_FILE
    if not path.is_file():
        from jaco_prog.errors import UserError
        raise UserError(f"{out_dir} has no {STUDY_FILE}: nothing was run there (run the study without "
                        f"--plot-only first)")
    return Study.from_dict(json.loads(path.read_text()))


def checkpoint_fingerprint(path) -> dict | None:
    """SHA-256 of a checkpoint file (of run-dir/checkpoint.pt for a run directory), so an out dir notices when
    column 1 was replaced under the same path. The content, not size and mtime: a fresh clone or checkout
    gives the same file a new mtime. None when it does not exist (yet)."""
    path = Path(path)
    path = path / "checkpoint.pt" if path.is_dir() else path
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return {"sha256": digest.hexdigest()}


def _same_checkpoint(old: dict | None, new: dict | None) -> bool:
    """Fingerprints of different kinds (plans written before the content hash held size and mtime) cannot be
    compared; they are not taken as a change."""
    if not old or not new or set(old) != set(new):
        return True
    return old == new


def _column1_params(checkpoint) -> dict:
    return {"checkpoint": _checkpoint(checkpoint), "checkpoint_fingerprint": checkpoint_fingerprint(checkpoint)}


def _checkpoint(path) -> str:
    """Absolute, so trials running in another working directory (a Ray worker) find it."""
    return str(Path(path).resolve())


def _robot_overrides(steps: int, seed: int, envs: int, task: str, preset: str | None, extra: dict | None) -> dict:
    """What every robot-side trial shares: single-process A2C (paper section 4.1) with `envs` lockstep envs
    (ROBOT_ENVS, one, by default: the robot's own stream)."""
    overrides = {"algo": "a2c", "envs": envs, "total_steps": steps, "seed": seed, "task": task, "preset": preset,
                 "checkpoint_every": max(1000, min(steps, 10_000)), "progress": False}
    overrides.update(extra or {})
    return overrides


def _robot_params(steps: int, envs: int, extra: dict | None) -> dict:
    """What a robot-side study's figure states about its agent: env steps and envs per run, and the A2C
    updates that makes (steps / (envs x n_steps), n_steps from --set or config/train.yaml)."""
    from jaco_prog.train_settings import TrainConfig  # torch-free; reads config/train.yaml's default

    n_steps = int((extra or {}).get("n_steps") or TrainConfig().n_steps)
    return {"steps": steps, "envs": envs, "n_steps": n_steps, "updates_per_run": steps // (envs * n_steps),
            "algo": "a2c"}


def tuning_budget(study: "Study", names=None) -> dict[str, dict[str, dict]]:
    """Per panel and method, what the plan (or, with `names`, the trials among them: the runs found) gives
    the method to find its best learning rate: {"lr_samples": distinct learning rates, "lrs": them (None: the
    configuration's default), "seeds": distinct seeds, "runs": trials}."""
    keep = None if names is None else set(names)
    budget: dict[str, dict[str, dict]] = {}
    for trial in study.trials:
        if keep is not None and trial.name not in keep:
            continue
        lab = study.labels[trial.name]
        lr = lab.get("lr", trial.overrides.get("lr"))
        entry = budget.setdefault(lab["panel"], {}).setdefault(lab["method"], {"lrs": set(), "seeds": set(),
                                                                               "runs": 0})
        entry["lrs"].add(lr)
        entry["seeds"].add(lab.get("seed"))
        entry["runs"] += 1
    return {panel: {method: {"lr_samples": len(e["lrs"]), "lrs": sorted(e["lrs"], key=lambda v: (v is None, v or 0)),
                             "seeds": len(e["seeds"]), "runs": e["runs"]} for method, e in by.items()}
            for panel, by in budget.items()}


def unequal_budgets(budget: dict[str, dict[str, dict]]) -> list[str]:
    """One line per panel where the methods do not have the same number of learning rates, seeds and runs: a
    best-of-more comparison would favour the method tuned more."""
    problems = []
    for panel, by in budget.items():
        if len({(b["lr_samples"], b["seeds"], b["runs"]) for b in by.values()}) > 1:
            problems.append(f"{panel}: " + ", ".join(f"{m} {b['lr_samples']} lr x {b['seeds']} seeds "
                                                     f"({b['runs']} runs)" for m, b in by.items()))
    return problems


# ---------------------------------------------------------------------------------------------- Fig. 5

def variant_label(method: str, output_lr_scale: float | None) -> str:
    """A transfer method's label at an output-layer learning-rate scale (the method itself at 1 or None)."""
    if output_lr_scale is None or output_lr_scale == 1:
        return method
    return f"{method}-out{output_lr_scale:g}x"


def transfer_study(checkpoint, presets=TRANSFER_PRESETS, seeds=5, steps: int = 60_000, envs: int = ROBOT_ENVS,
                   methods=DEFAULT_TRANSFER_METHODS, task: str = "reach", extra: dict | None = None,
                   lrs=None, output_lr_scales=None) -> Study:
    """Per preset and seed: a narrow progressive LSTM column from column 1, column 1 finetuned, and narrow and
    wide LSTM columns from scratch, `steps` env steps each (the paper's robot runs: 60 000).

    `lrs`: a learning-rate sweep; every method is trained at every learning rate with every seed (the same
    tuning budget for each) and the report compares the methods each at its best one. `output_lr_scales`:
    each progressive or finetune method is trained with its newest column's output layer at each of these
    multiples of the learning rate (TrainConfig.output_lr_scale), as a method of its own at scales other
    than 1 ("progressive-out10x"); scratch methods have no column to start from and run once."""
    from jaco_prog.errors import UserError

    seeds = _seed_list(seeds)
    extra = dict(extra or {})
    unknown = [m for m in methods if m not in TRANSFER_METHODS]
    if unknown:
        raise ValueError(f"unknown transfer methods {unknown}; known: {', '.join(TRANSFER_METHODS)}")
    for swept, field, flag in ((lrs, "lr", "--lrs"), (output_lr_scales, "output_lr_scale", "--output-lr-scale")):
        if swept is None:
            continue
        if field in extra:
            raise UserError(f"{field} is swept ({flag}); it cannot also be set for every trial (--set {field})")
        if not len(swept) or any(float(v) <= 0 for v in swept):
            raise UserError(f"a {field} sweep needs positive values (got {list(swept)})")
    if extra.get("output_lr_scale", 1) != 1 and any(TRANSFER_METHODS[m]["mode"] == "scratch" for m in methods):
        raise UserError("--set output_lr_scale would reach the scratch methods, which have no column to start "
                        "from; use --output-lr-scale")
    lr_values = [None] if lrs is None else [float(v) for v in lrs]
    scales = [None] if output_lr_scales is None else [float(v) for v in output_lr_scales]
    stage, labels, shown = [], {}, []
    for preset in presets:
        for method in methods:
            from_column1 = TRANSFER_METHODS[method]["mode"] != "scratch"
            for scale in scales if from_column1 else [None]:
                label = variant_label(method, scale)
                shown += [] if label in shown else [label]
                for lr in lr_values:
                    for seed in seeds:
                        overrides = _robot_overrides(steps, seed, envs, task, preset, extra)
                        overrides.update(TRANSFER_METHODS[method])
                        if from_column1:
                            overrides["from_checkpoint"] = _checkpoint(checkpoint)
                        lab = {"panel": preset, "method": label, "seed": seed}
                        if scale is not None:  # at 1 the configuration's own: the trial is the plain method's
                            lab.update(base_method=method, output_lr_scale=scale)
                            if scale != 1:
                                overrides["output_lr_scale"] = scale
                        if lr is not None:
                            overrides["lr"] = lab["lr"] = lr
                        name = f"{preset}-{label}" + (f"-lr{lr:g}" if lr is not None else "") + f"-s{seed}"
                        stage.append(_trial(name, overrides))
                        labels[name] = lab
    params = {**_column1_params(checkpoint), "presets": list(presets), "seeds": seeds,
              **_robot_params(steps, envs, extra), "task": task, "extra": extra,
              "lrs": None if lrs is None else lr_values,
              "output_lr_scales": None if output_lr_scales is None else scales}
    return Study("transfer", [stage], labels, params, list(presets), shown)


# ---------------------------------------------------------------------------------------------- Fig. 6

def sample_hyperparameters(n: int, seed: int = 0) -> list[dict]:
    """`n` (lr, entropy_coef) pairs, each log-uniform over the paper's ranges (section 4.1), drawn by the sweep's
    sampler (the same seed gives the same points)."""
    from jaco_prog.sweep import sample_space
    space = {"lr": {"distribution": "loguniform", "low": LR_RANGE[0], "high": LR_RANGE[1]},
             "entropy_coef": {"distribution": "loguniform", "low": ENTROPY_RANGE[0], "high": ENTROPY_RANGE[1]}}
    return [dict(point) for point in sample_space(space, n, seed)]


def sensitivity_study(checkpoint, presets=PERTURBATION_PRESETS, samples: int = 20, steps: int = 60_000,
                      envs: int = ROBOT_ENVS, sample_seed: int = 0, task: str = "reach",
                      extra: dict | None = None) -> Study:
    """Per preset: `samples` draws of (lr, entropy cost, seed), each trained as a narrow progressive column and
    as a finetuned column 1. The draws are shared by both methods and all presets (paired comparison)."""
    draws = sample_hyperparameters(samples, sample_seed)
    stage, labels = [], {}
    for preset in presets:
        for method in SENSITIVITY_METHODS:
            for i, hp in enumerate(draws):
                overrides = _robot_overrides(steps, i, envs, task, preset, extra)
                overrides.update(TRANSFER_METHODS[method], from_checkpoint=_checkpoint(checkpoint), **hp)
                name = f"{preset}-{method}-h{i:03d}"
                stage.append(_trial(name, overrides))
                labels[name] = {"panel": preset, "method": method, "seed": i, "sample": i, **hp}
    params = {**_column1_params(checkpoint), "presets": list(presets), "samples": samples,
              **_robot_params(steps, envs, extra), "task": task, "sample_seed": sample_seed, "lr_range": list(LR_RANGE),
              "entropy_range": list(ENTROPY_RANGE), "extra": extra or {}}
    return Study("sensitivity", [stage], labels, params, list(presets), list(SENSITIVITY_METHODS))


# ---------------------------------------------------------------------------------------------- Fig. 7

def conveyor_study(checkpoint, out_dir, seeds=5, steps: int = 60_000, column2_steps: int | None = None,
                   envs: int = ROBOT_ENVS, arch: str = "ff", preset: str | None = "real_proxy",
                   column2_inputs: str = "pixels+proprio", extra: dict | None = None) -> Study:
    """The conveyor (moving target) task learnt by a proprio-only narrow column (`arch`), either as column 2
    straight after column 1, or as column 3 after a narrow LSTM column 2 that learnt static reach on the same
    preset with `column2_inputs` (paper: vision and proprioception). Stage 1 trains column 2 on reach (and,
    being independent, the 2nd-column conveyor runs); stage 2 trains each 3rd column from the checkpoint of
    the stage-1 column 2 with the same seed."""
    seeds = _seed_list(seeds)
    column2_steps = column2_steps or steps
    out_dir = Path(out_dir).resolve()
    stage1, stage2, labels = [], [], {}
    for seed in seeds:
        name = f"column2-reach-s{seed}"
        overrides = _robot_overrides(column2_steps, seed, envs, "reach", preset, extra)
        overrides.update(mode="progressive", from_checkpoint=_checkpoint(checkpoint), column="narrow", arch="lstm",
                         inputs=column2_inputs)
        stage1.append(_trial(name, overrides))
        labels[name] = {"panel": "static reach (column 2)", "method": "column 2", "seed": seed}
    for seed in seeds:
        name = f"conveyor-2nd-column-s{seed}"
        overrides = _robot_overrides(steps, seed, envs, "conveyor", preset, extra)
        overrides.update(mode="progressive", from_checkpoint=_checkpoint(checkpoint), column="narrow", arch=arch,
                         inputs="proprio")
        stage1.append(_trial(name, overrides))
        labels[name] = {"panel": "conveyor", "method": "2nd column", "seed": seed}
    for seed in seeds:
        name = f"conveyor-3rd-column-s{seed}"
        column2 = f"column2-reach-s{seed}"
        overrides = _robot_overrides(steps, seed, envs, "conveyor", preset, extra)
        overrides.update(mode="progressive", from_checkpoint=str(out_dir / column2 / "checkpoint.pt"),
                         column="narrow", arch=arch, inputs="proprio")
        stage2.append(_trial(name, overrides))
        labels[name] = {"panel": "conveyor", "method": "3rd column", "seed": seed, "depends_on": column2}
    params = {**_column1_params(checkpoint), "seeds": seeds, **_robot_params(steps, envs, extra),
              "column2_steps": column2_steps, "arch": arch, "preset": preset, "column2_inputs": column2_inputs,
              "extra": extra or {}}
    return Study("conveyor", [stage1, stage2], labels, params, ["conveyor", "static reach (column 2)"],
                 list(CONVEYOR_METHODS) + ["column 2"])


# ---------------------------------------------------------------------------------------------- Fig. 4

def architectures_study(seeds=5, steps: int = 1_000_000, envs: int = 8, algo: str = "a2c", task: str = "reach",
                        preset: str | None = None, extra: dict | None = None) -> Study:
    """First columns from scratch on the randomised reach task: wide and narrow, feedforward (left panel, as
    in Fig. 4) and LSTM (right). The paper trained 50 M steps with A3C; `steps` is the budget here."""
    seeds = _seed_list(seeds)
    stage, labels = [], {}
    for arch in ("ff", "lstm"):
        for column in ("wide", "narrow"):
            for seed in seeds:
                overrides = {"mode": "scratch", "column": column, "arch": arch, "task": task, "preset": preset,
                             "algo": algo, "total_steps": steps, "seed": seed, "progress": False,
                             "checkpoint_every": max(1000, min(steps, 50_000))}
                overrides["envs" if algo == "a2c" else "envs_per_worker"] = envs
                overrides.update(extra or {})
                name = f"{arch}-{column}-s{seed}"
                stage.append(_trial(name, overrides))
                labels[name] = {"panel": arch, "method": column, "seed": seed}
    params = {"seeds": seeds, "steps": steps, "envs": envs, "algo": algo, "task": task, "preset": preset,
              "extra": extra or {}}
    return Study("architectures", [stage], labels, params, ["ff", "lstm"], ["wide", "narrow"])


# ---------------------------------------------------------------------------------------------- zero-shot

@dataclass
class Condition:
    """One zero-shot evaluation: column 1 acting greedily in `task` under `preset` (None: its own task)."""
    task: str = "reach"
    preset: str | None = None

    @property
    def name(self) -> str:
        return f"{self.task}-{self.preset or 'default'}"

    @property
    def label(self) -> str:
        return self.preset or f"{self.task} (training task)"


def zero_shot_conditions(presets=TRANSFER_PRESETS, task: str = "reach") -> list[Condition]:
    """The training task itself first (the baseline), then every preset."""
    return [Condition(task, None)] + [Condition(task, p) for p in presets]


def _seed_list(seeds) -> list[int]:
    """An int n means seeds 0..n-1; a list is taken as it is."""
    if isinstance(seeds, int):
        if seeds < 1:
            raise ValueError("need at least one seed")
        return list(range(seeds))
    return [int(s) for s in seeds]


__all__ = ["Study", "Condition", "load_study", "transfer_study", "sensitivity_study", "conveyor_study",
           "architectures_study", "zero_shot_conditions", "sample_hyperparameters", "tuning_budget",
           "unequal_budgets", "variant_label", "SCALES", "STUDY_FILE", "RESUMES_LOG", "ROBOT_ENVS", "TRANSFER_PRESETS",
           "PERTURBATION_PRESETS", "TRANSFER_METHODS"]
