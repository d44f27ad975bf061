"""The column-1 diagnostics in bench/: value-output check and target-localisation probe."""
import numpy as np
import pytest

from jaco_prog.learning.imitation import discounted_returns

CONSTANT_VALUE = 100.0


def _constant_value(net):
    net.columns[0].output.weight[-1].zero_()
    net.columns[0].output.bias[-1] = CONSTANT_VALUE


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory, save_narrow_column):
    """A narrow LSTM column 1 whose value output is the constant CONSTANT_VALUE."""
    return save_narrow_column(tmp_path_factory.mktemp("ckpt"), _constant_value)


def test_discounted_return_runs_backwards_from_a_terminal_end():
    assert np.allclose(discounted_returns([0.0, 1.0, 1.0], 0.5), [0.75, 1.5, 1.0])


def test_value_check_reads_the_output_layers_value(checkpoint, capsys, load_bench):
    assert load_bench("column1_value").main(["--checkpoint", str(checkpoint), "--episodes", "2"]) == 0
    out = capsys.readouterr().out
    assert f"value: mean {CONSTANT_VALUE:.2f}" in out
    mean_return = float(out.split("return per step: mean ")[1].split(",")[0])
    rms = float(out.split("RMS error ")[1].split()[0].rstrip(";"))
    assert rms >= CONSTANT_VALUE - mean_return - 0.01   # the value misses every return by about this much


def test_rms_error_is_the_euclidean_distance_in_cm(load_bench):
    probe = load_bench("column1_perception")
    assert probe.rms_cm(np.zeros((2, 3)), np.array([[0.03, 0.04, 0.0], [0.0, 0.0, 0.05]])) == pytest.approx(5.0)


def test_perception_probe_reports_every_readout_against_the_centre_guess(checkpoint, capsys, load_bench):
    probe = load_bench("column1_perception")
    assert probe.main(["--checkpoint", str(checkpoint), "--frames", "24", "--epochs", "1",
                       "--max-random-steps", "2", "--no-progress"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {line[:34].strip(): line[34:].split() for line in lines if line[:34].strip() in (
        "guess the area's centre", "shipped features + MLP readout", "fresh encoder + MLP readout")}
    assert len(rows) == 3 and rows["guess the area's centre"][1] == "1.00"
    for err, ratio in rows.values():
        assert float(err) > 0 and float(ratio) == pytest.approx(float(err) / float(rows["guess the area's centre"][0]),
                                                                 abs=0.05)
    assert not any(line.startswith("shipped aux head") for line in lines)  # this column has no aux head


@pytest.mark.parametrize("name", ["column1_value", "column1_perception"])
def test_diagnostics_refuse_a_missing_checkpoint_with_one_line(name, tmp_path, capsys, load_bench):
    assert load_bench(name).main(["--checkpoint", str(tmp_path / "missing.pt")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "missing.pt does not exist" in err
