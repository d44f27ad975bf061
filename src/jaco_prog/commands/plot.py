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

"""`jaco-prog plot RUN...`: learning curves of training runs to a PNG."""
from __future__ import annotations

import argparse

from jaco_prog.errors import UserError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "plot", help="plot learning curves of training runs (PNG)",
        description="Draw each training run's episode returns (dotted) with a median-filtered curve over them "
                    "(solid), like Fig. 5 of the paper, from RUN/episodes.csv (`jaco-prog train`). A DAgger run "
                    "(`jaco-prog imitate`, RUN/iterations.csv) is drawn as one point per iteration: the mean "
                    "return of the episodes the student drove alone (iterations the teacher drove throughout "
                    "have none).")
    parser.add_argument("runs", nargs="+", metavar="RUN", help="run directories of `jaco-prog train` or `imitate`")
    parser.add_argument("-o", "--out", default="learning_curves.png", help="output PNG (default %(default)s)")
    parser.add_argument("--window", type=int, default=101,
                        help="running filter window in episodes (default %(default)s; DAgger runs are not filtered)")
    parser.add_argument("--x", dest="x_axis", choices=("steps", "episodes"), default="steps",
                        help="x axis: env steps or episodes so far (default %(default)s)")
    parser.add_argument("--statistic", choices=("median", "mean"), default="median",
                        help="running statistic of the solid curve: median (paper Fig. 5) or mean (shows a rise "
                             "while most episodes still score 0) (default %(default)s)")
    parser.add_argument("--title", default=None,
                        help="figure title (default: 'learning curves (STATISTIC filter, window N)')")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from jaco_prog.learning.curves import plot_runs

    if args.window < 1:
        raise UserError("--window must be at least 1")
    out = plot_runs(args.runs, args.out, args.window, "global_step" if args.x_axis == "steps" else "episode",
                    args.title, args.statistic)
    print(f"wrote {out}")
    return 0
