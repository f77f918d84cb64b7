"""The inventory verbs through the ``symbiose`` command line: exit codes and messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main

ROOT = Path(__file__).parents[2]
DATASET = ROOT / "datasets" / "dunkerque" / "dunkerque.yaml"
SCENARIOS = ROOT / "datasets" / "dunkerque" / "scenarios"
CORPUS = Path(__file__).parents[1] / "inventory" / "malformed"
FAST = ["--time-limit", "20", "--gap", "1e-4"]


def test_validate_a_good_inventory(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(DATASET)]) == 0
    assert "OK" in capsys.readouterr().out


def test_validate_prints_every_problem_with_its_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(CORPUS / "several_problems.yaml")]) == 2
    err = capsys.readouterr().err
    assert "3 problems" in err
    assert "supplies[0].quantity" in err and "demands[1].site" in err and "links[0].mode" in err
    assert "Traceback" not in err


def test_validate_a_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "no/such/file.yaml"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_validate_a_scenario_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(SCENARIOS / "dk6-stops.yaml")]) == 0
    assert "20 sites" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["t.xlsx", "t.yaml", "tcsv"])
def test_template_writes_a_valid_inventory(tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    assert main(["template", str(out)]) == 0
    assert out.exists()
    assert main(["validate", str(out)]) == 0
    assert main(["template", str(out)]) == 2  # no silent overwrite


def test_solve_an_inventory_writes_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["solve", str(DATASET), "--quiet", *FAST, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Dunkerque — optimal" in out and "Top exchanges" in out
    assert (tmp_path / "report.geojson").exists()


def test_solve_a_scenario_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(SCENARIOS / "carbon-150.yaml"), "--quiet", *FAST]) == 0
    assert "carbon price 150" in capsys.readouterr().out


def test_solve_a_malformed_inventory(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(CORPUS / "unknown_unit.yaml"), "--quiet"]) == 2
    assert "supplies[1].quantity: unknown unit" in capsys.readouterr().err


def test_compare_base_and_scenarios(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "compare",
        str(DATASET),
        str(SCENARIOS / "dk6-stops.yaml"),
        str(SCENARIOS / "no-co2-hub.yaml"),
    ]
    assert main([*args, *FAST, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "dk6-stops" in out and "disappears" in out
    assert (tmp_path / "compare_exchanges.csv").exists()


def test_compare_with_a_bad_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nremove: {sites: [atlantis]}\n")
    assert main(["compare", str(DATASET), str(bad), "--out", str(tmp_path)]) == 2
    assert "remove.sites[0]" in capsys.readouterr().err


def test_pareto_writes_table_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = CORPUS / "base.yaml"
    assert main(["pareto", str(src), "--points", "3", *FAST, "--out", str(tmp_path)]) == 0
    assert "valorisation vs CO2" in capsys.readouterr().out
    assert (tmp_path / "pareto.csv").exists()
    assert (tmp_path / "pareto.png").read_bytes()[:4] == b"\x89PNG"


def test_pareto_needs_two_points(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pareto", str(DATASET), "--points", "1"]) == 2


SWAPPED = """
territory: {name: Swapville}
sites:
  - {id: mill, name: Mill, latitude: 51.00, longitude: 2.00}
  - {id: kiln, name: Kiln, latitude: 51.05, longitude: 2.10}
  - {id: farm, name: Farm, latitude: 51.02, longitude: 2.30}
  - {id: port, name: Port, latitude: 2.20, longitude: 51.04}
supplies: [{site: mill, commodity: bf_slag, quantity: 1 kt/yr}]
demands: [{site: kiln, commodity: bf_slag, quantity: 1 kt/yr, price: 5}]
modes: [{id: truck, mode: truck, commodities: [bf_slag]}]
"""


def test_validate_prints_plausibility_warnings_and_still_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "swapped.yaml"
    path.write_text(SWAPPED)
    assert main(["validate", str(path)]) == 0
    captured = capsys.readouterr()
    assert "OK" in captured.out
    assert f"{path}: 1 warning (legal, but check)" in captured.err
    assert (
        "  warning: sites[3].latitude: latitude and longitude look swapped: site 'port'"
        in captured.err
    )


def test_solve_prints_plausibility_warnings_before_solving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "swapped.yaml"
    path.write_text(SWAPPED)
    assert main(["solve", str(path), "--quiet", *FAST]) == 0
    captured = capsys.readouterr()
    assert "warning: sites[3].latitude: latitude and longitude look swapped" in captured.err
    assert "Swapville — optimal" in captured.out


def test_validate_dunkirk_prints_no_warning(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(DATASET)]) == 0
    assert "warning" not in capsys.readouterr().err


def test_validate_a_scenario_removing_supplies_by_site_alone_names_the_missing_commodity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "partial.yaml"
    scenario.write_text(
        f"name: partial\nbase: {DATASET}\nremove:\n  supplies: [{{site: indaver}}]\n"
    )
    assert main(["validate", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert (
        "  remove.supplies[0]: give 'commodity' too, or commodity: '*' to remove every supply"
        " with site 'indaver'"
    ) in err
    assert "Traceback" not in err
