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

"""Training hyper-parameters: TrainConfig (defined torch-free in jaco_prog.train_settings, values in
config/train.yaml) and how the layers over it are read.

Precedence, lowest first: config/train.yaml, each YAML file given, then `overrides` (command line flags). A
resumed run takes its configuration from its checkpoint; only `total_steps` may change (to train longer).
"""
from __future__ import annotations

from jaco_prog.config import from_mapping, load_yaml
from jaco_prog.train_settings import (ALGOS, MODES, OPTIMIZERS, TASKS, VALUES_BEFORE_FIELD_EXISTED,
                                      TrainConfig)

__all__ = ["ALGOS", "MODES", "OPTIMIZERS", "TASKS", "VALUES_BEFORE_FIELD_EXISTED", "TrainConfig",
           "load_train_config"]


def load_train_config(paths: list, overrides: dict | None = None) -> TrainConfig:
    """config/train.yaml, then each YAML file in order (only the keys it names), then `overrides` (None values
    skipped); each layer's errors name its file."""
    config = TrainConfig()
    for path in paths:
        config = from_mapping(TrainConfig, load_yaml(path), str(path), base=config)
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    if given:
        config = from_mapping(TrainConfig, given, "train config:", base=config)
    config.validate()
    return config
