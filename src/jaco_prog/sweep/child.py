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

"""One trial in its own process: `python -m jaco_prog.sweep.child PAYLOAD.json RESULT.json`.

Both engines run every trial this way (the local pool directly, Ray Tune from inside its trial actor), so a
trial always runs `train()` on a main thread (it installs SIGINT/SIGTERM handlers that checkpoint), with its
own torch thread count, and may start its own A3C worker processes. The payload (JSON) holds the trial's
name, absolute run directory, TrainConfig overrides (base config + the trial's), `final_window` and
`threads`. The child resumes its run directory when it holds an unfinished checkpoint. If its parent dies
(the sweep was killed, or Tune stopped the trial actor) it stops itself with SIGTERM, which train() turns into
a checkpoint, so running the sweep again resumes it.

The result (JSON: a TrialResult's fields) is written atomically to RESULT.json; the full traceback of a
failure goes to stderr, which the engines send to OUT/_logs/<name>.log.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import asdict
from pathlib import Path

from jaco_prog.sweep.results import TrialResult, checkpoint_step, read_back, reached

WATCH_SECONDS = 1.0
IGNORED_FOR_RESUME = ("run_dir", "progress", "total_steps")


def one_line(err: BaseException) -> str:
    """An exception as one line: the message's first line, plus its last when it holds a traceback (A3C)."""
    from jaco_prog.config import ConfigError
    from jaco_prog.errors import UserError

    text = str(err).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > 1:
        text = f"{lines[0].rstrip(':')}: {lines[-1]}"
    if not isinstance(err, (UserError, ConfigError)):
        text = f"{type(err).__name__}: {text}" if text else type(err).__name__
    return text[:400]


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(WATCH_SECONDS)
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)  # train() checkpoints and returns
            return


def _interrupt(signum, _frame):
    raise KeyboardInterrupt


def _outcome(payload: dict) -> TrialResult:
    """done when the checkpoint reached total_steps, else skipped (stopped early: resumable)."""
    name, run_dir, window = payload["name"], payload["run_dir"], payload["final_window"]
    total_steps = payload.get("total_steps")
    step = checkpoint_step(run_dir)
    if reached(step, total_steps):
        return read_back(name, run_dir, payload["trial_overrides"], window)
    where = "before its first checkpoint" if step is None else f"at step {step} of {total_steps}"
    return read_back(name, run_dir, payload["trial_overrides"], window, "skipped",
                     f"interrupted {where}; run the sweep again to resume")


def _config_differences(a: dict, b: dict) -> list[str]:
    return [f"{k}: {a.get(k)!r} in the run, {b.get(k)!r} asked" for k in sorted(set(a) | set(b))
            if k not in IGNORED_FOR_RESUME and a.get(k) != b.get(k)]


def run_payload(payload: dict) -> TrialResult:
    """Train (or resume) one trial; never raises except KeyboardInterrupt before training starts."""
    import torch

    from jaco_prog.learning.config import load_train_config
    from jaco_prog.learning.train import load_run_config, train
    from jaco_prog.paths import config_path

    threads = int(payload.get("threads") or 1)
    torch.set_num_threads(threads)
    name, run_dir, window = payload["name"], Path(payload["run_dir"]), payload["final_window"]
    try:
        cfg = load_train_config([config_path("train.yaml")], payload["overrides"])
        payload["total_steps"] = cfg.total_steps
        step = checkpoint_step(run_dir)
        if reached(step, cfg.total_steps):
            return read_back(name, run_dir, payload["trial_overrides"], window)
        if step is not None:
            run_cfg = load_run_config(run_dir, cfg.total_steps)
            differences = _config_differences(run_cfg.to_dict(), cfg.to_dict())
            if differences:
                return read_back(name, run_dir, payload["trial_overrides"], window, "failed",
                                 f"{run_dir} holds a run with another configuration ({'; '.join(differences)})")
            run_cfg.progress = cfg.progress
            print(f"resuming {run_dir} at step {step} of {cfg.total_steps}", file=sys.stderr, flush=True)
            train(run_cfg, resume=True)
        else:
            train(cfg)
    except KeyboardInterrupt:
        raise
    except Exception as err:  # noqa: BLE001 - one failing trial must not stop the sweep: report it
        traceback.print_exc()
        return read_back(name, run_dir, payload["trial_overrides"], window, "failed", one_line(err))
    return _outcome(payload)


def main(argv: list[str] | None = None) -> int:
    payload_path, result_path = (argv if argv is not None else sys.argv[1:])[:2]
    payload = json.loads(Path(payload_path).read_text())
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    for sig in (signal.SIGINT, signal.SIGTERM):  # before and after train(), which installs its own
        signal.signal(sig, _interrupt)
    try:
        result = run_payload(payload)
    except KeyboardInterrupt:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        try:
            result = _outcome(payload)
        except Exception as err:  # noqa: BLE001
            result = TrialResult(payload["name"], payload["run_dir"], "skipped", error=f"interrupted ({err})",
                                 overrides=payload["trial_overrides"])
    except Exception as err:  # noqa: BLE001 - e.g. an unreadable checkpoint
        traceback.print_exc()
        result = TrialResult(payload["name"], payload["run_dir"], "failed", error=one_line(err),
                             overrides=payload["trial_overrides"])
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    tmp = Path(f"{result_path}.tmp")
    tmp.write_text(json.dumps(asdict(result)))
    os.replace(tmp, result_path)
    return 0


# --- the parent's side ------------------------------------------------------------------------------------

class ChildTrial:
    """A trial running in a child process (`python -m jaco_prog.sweep.child`), its output in `log_path`."""

    def __init__(self, payload: dict, log_path: str | Path):
        import jaco_prog

        self.payload = payload
        self.started = time.monotonic()
        self._tmp = tempfile.mkdtemp(prefix="jaco-prog-trial-")
        self._payload_path = Path(self._tmp) / "payload.json"
        self._result_path = Path(self._tmp) / "result.json"
        self._payload_path.write_text(json.dumps(payload))
        threads = str(int(payload.get("threads") or 1))
        env = dict(os.environ, OMP_NUM_THREADS=threads, MKL_NUM_THREADS=threads)
        source_root = str(Path(jaco_prog.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [source_root, env.get("PYTHONPATH")]))
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "a") as log:
            log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} trial {payload['name']} ===\n")
            log.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jaco_prog.sweep.child", str(self._payload_path), str(self._result_path)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env)

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def terminate(self) -> None:
        if self.running:
            self.process.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        if self.running:
            self.process.kill()

    def result(self) -> TrialResult:
        """After the process ended: its result (a failure if it died without writing one)."""
        self.process.wait()
        try:
            data = json.loads(self._result_path.read_text())
            result = TrialResult(**data)
        except (OSError, ValueError, TypeError):
            code = self.process.returncode
            how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
            result = TrialResult(self.payload["name"], self.payload["run_dir"], "failed",
                                 error=f"trial process died without a result ({how}); see its log",
                                 overrides=self.payload["trial_overrides"])
        finally:
            for path in (self._payload_path, self._result_path):
                path.unlink(missing_ok=True)
            try:
                os.rmdir(self._tmp)
            except OSError:
                pass
        return result


if __name__ == "__main__":
    sys.exit(main())
