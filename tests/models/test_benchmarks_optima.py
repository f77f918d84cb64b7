"""Published optima of FCNetLib and Canad, reproduced through the user's own code path.

Each case runs ``symbiose solve --format ... --gap 0 --out DIR`` exactly as a user would and
reads the objective back from the result file it writes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main

INSTANCES = Path(__file__).resolve().parents[2] / "benchmarks" / "instances"

CASES = [
    ("fcnetlib", "fcnetlib/k10x90", 568),
    ("fcnetlib", "fcnetlib/g40x132", 26629),
    ("fcnetlib", "fcnetlib/l61x114", 60085),
    ("fcnetlib", "fcnetlib/sp50x100", 50968),
    ("fcnetlib", "fcnetlib/k15x210", 16128),
    ("canad", "canad/c33.dow", 423848),
    ("canad", "canad/c41.dow", 429398),
]


@pytest.mark.parametrize(("fmt", "path", "optimum"), CASES, ids=[c[1] for c in CASES])
def test_published_optimum(
    fmt: str, path: str, optimum: float, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "solve",
            "--format",
            fmt,
            str(INSTANCES / path),
            "--gap",
            "0",
            "--time-limit",
            "300",
            "--quiet",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["status"] == "optimal"
    assert abs(result["objective"] - optimum) / optimum < 1e-6
    assert "objective (cost)" in capsys.readouterr().out


def test_time_limited_large_instance_returns_incumbent_bound_and_gap(tmp_path: Path) -> None:
    """c37 (200 commodities) cannot be proven in seconds: the answer is the incumbent so far."""
    code = main(
        [
            "solve",
            str(INSTANCES / "canad/c37.dow"),
            "--time-limit",
            "10",
            "--gap",
            "0",
            "--quiet",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["status"] == "time_limit"
    assert result["objective"] is not None and result["bound"] is not None
    assert result["bound"] <= result["objective"]
    assert 0 <= result["gap"] <= 1
    # A feasible cost cannot beat the proven lower bound (91382, HiGHS after 120 s).
    assert result["objective"] >= 91382


def test_unreadable_benchmark_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.dow"
    bad.write_text("MULTIGEN.DAT:\n 2 1 1\n 1 2 x 10 5 1 1\n 1 2 5\n")
    assert main(["solve", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.dow: line 3" in err and "Traceback" not in err
