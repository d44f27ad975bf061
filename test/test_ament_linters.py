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

"""The ROS 2 ament linters, as in every ROS 2 Python package. They exist only in a ROS installation (the
docker/ image); here they are skipped."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.linter
def test_flake8():
    flake8 = pytest.importorskip("ament_flake8.main", reason="ament_flake8 needs a ROS 2 install")
    main_with_errors = flake8.main_with_errors
    rc, errors = main_with_errors(argv=["--config", str(ROOT / "setup.cfg"), str(ROOT / "src"), str(ROOT / "test")])
    assert rc == 0, "flake8 found %d errors:\n" % len(errors) + "\n".join(errors)


@pytest.mark.copyright
def test_copyright():
    main = pytest.importorskip("ament_copyright.main", reason="ament_copyright needs a ROS 2 install").main
    assert main(argv=[str(ROOT / "src"), str(ROOT / "test")]) == 0
