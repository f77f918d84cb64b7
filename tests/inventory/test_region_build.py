"""The region builder: synthetic establishments generator, coefficient table, build_region."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from cli.main import main as symbiose_main
from symbiose.catalogue import BUILTIN
from symbiose.convert import compile_inventory
from symbiose.inventory import load_inventory
from symbiose.inventory.io import inventory_from_document
from symbiose.region import (
    RegionError,
    build_region,
    generate_establishments,
    read_coefficients,
    write_establishments,
)
from symbiose.region.generate import COLUMNS
from symbiose.region.lambert import from_lambert93, to_lambert93
from symbiose.region.tables import (
    COEFFICIENTS_CSV,
    DEFAULTS_YAML,
    EMPLOYERS,
    ESTABLISHMENTS,
    HEADCOUNT,
    load_zones,
)


def _luhn_ok(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def test_the_generator_is_deterministic_for_a_seed() -> None:
    a = generate_establishments(500, seed=7)
    b = generate_establishments(500, seed=7)
    c = generate_establishments(500, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a["siret"].equals(c["siret"])


def test_the_generated_file_has_the_register_columns_and_says_it_is_synthetic(
    tmp_path: Path,
) -> None:
    path = write_establishments(generate_establishments(300, seed=1), tmp_path / "e.csv", seed=1)
    first, header = path.read_text(encoding="utf-8").splitlines()[:2]
    assert first.startswith("# SYNTHETIC") and "NOT the SIRENE register" in first
    assert header.split(",") == list(COLUMNS)
    frame = pd.read_csv(path, comment=None, skiprows=1, dtype=str)
    assert frame["siret"].str.fullmatch(r"\d{14}").all()
    assert frame["siret"].is_unique
    assert all(_luhn_ok(s) for s in frame["siret"])
    assert (frame["siret"].str[:9] == frame["siren"]).all()
    assert frame["activitePrincipaleEtablissement"].str.fullmatch(r"\d{2}\.\d{2}[A-Z]").all()
    assert set(frame["trancheEffectifsEtablissement"]) <= set(HEADCOUNT)
    assert frame["denominationUsuelleEtablissement"].str.startswith("SYNTHETIC ").all()
    lon, lat = from_lambert93(frame["x"].astype(float), frame["y"].astype(float))
    assert np.allclose(lon, frame["x_longitude"].astype(float), atol=1e-5)
    assert np.allclose(lat, frame["y_latitude"].astype(float), atol=1e-5)


def test_the_generated_marginals_match_the_published_calibration() -> None:
    frame = generate_establishments(ESTABLISHMENTS, seed=0)
    bands = frame["trancheEffectifsEtablissement"]
    assert (bands != "00").mean() == pytest.approx(EMPLOYERS / ESTABLISHMENTS, abs=0.01)
    small = bands.isin(["00", "01", "02", "03"])
    assert small.mean() == pytest.approx(0.835, abs=0.01)  # 83.5 % below 10 employees
    division = frame["activitePrincipaleEtablissement"].str[:2][~small]
    assert division.isin(["10", "11"]).mean() == pytest.approx(0.25, abs=0.02)  # food
    assert division.isin(["24", "25"]).mean() == pytest.approx(0.19, abs=0.02)  # metals
    zones = load_zones()
    shares = frame["codeCommuneEtablissement"].value_counts(normalize=True)
    expected = dict(zip(zones["commune"], zones["weight"], strict=True))
    for commune, weight in expected.items():
        assert shares.get(commune, 0.0) == pytest.approx(weight, abs=0.01), commune


def test_lambert93_places_its_origin_and_round_trips() -> None:
    x, y = to_lambert93(np.array([3.0, 2.3522]), np.array([46.5, 48.8566]))
    assert x[0] == pytest.approx(700_000.0) and y[0] == pytest.approx(6_600_000.0)
    assert x[1] == pytest.approx(652_469, abs=100) and y[1] == pytest.approx(6_862_035, abs=100)
    lon, lat = from_lambert93(x, y)
    assert np.allclose(lon, [3.0, 2.3522], atol=1e-9)
    assert np.allclose(lat, [46.5, 48.8566], atol=1e-9)


def test_the_built_region_validates_and_every_item_cites_its_coefficient(tmp_path: Path) -> None:
    path = write_establishments(generate_establishments(600, seed=2), tmp_path / "e.csv", 2)
    doc = build_region(path)
    inv = inventory_from_document(doc)  # the schema, then the semantic checks
    assert "SYNTHETIC" in inv.territory.name and "SYNTHETIC" in inv.territory.notes
    assert inv.sites and all(site.zone and site.sector for site in inv.sites)
    table = read_coefficients(COEFFICIENTS_CSV).set_index("id")
    for item in [*inv.supplies, *inv.demands]:
        cite = item.sources["quantity"]
        found = re.search(r"coefficient (\w+): ", cite)
        assert found, cite
        row = table.loc[found.group(1)]
        assert row["source"] in cite and row["commodity"] == item.commodity
        assert ("quantity" in item.estimates) == bool(row["estimate"])
    _, issues = compile_inventory(inv)
    assert issues == []


HAND = """\
siret;activitePrincipaleEtablissement;trancheEffectifsEtablissement;codeCommuneEtablissement;etatAdministratifEtablissement;x;y;epsg
11111111111110;24.10Z;52;59183;A;{x0};{y0};2154
22222222222220;1071C;01;80021;A;{x1};{y1};2154
33333333333330;35.30Z;11;59183;A;{x2};{y2};2154
44444444444440;18.12Z;12;59350;A;{x1};{y1};2154
55555555555553;24.10Z;53;59183;F;{x0};{y0};2154
"""


def test_three_hand_checked_establishments_give_exact_quantities(tmp_path: Path) -> None:
    x, y = to_lambert93(np.array([2.262, 2.30, 2.368]), np.array([51.036, 49.89, 51.033]))
    coords = {f"x{i}": round(x[i], 2) for i in range(3)} | {
        f"y{i}": round(y[i], 2) for i in range(3)
    }
    path = tmp_path / "geoloc.csv"
    path.write_text(HAND.format(**coords), encoding="utf-8")
    doc = build_region(path)
    sites = {s["id"]: s for s in doc["sites"]}
    # the printer has no coefficient row; the closed steelworks is left out
    assert sorted(sites) == ["e11111111111110", "e22222222222220", "e33333333333330"]
    assert sites["e11111111111110"]["zone"] == "Dunkerque"
    assert sites["e11111111111110"]["sector"] == "steel"
    assert sites["e22222222222220"]["zone"] == "Amiens"
    assert sites["e11111111111110"]["latitude"] == pytest.approx(51.036, abs=1e-6)
    supplies = {(s["site"], s["commodity"]): s for s in doc["supplies"]}
    steel = "e11111111111110"
    # band 52 counts 3,499.5 employees: 560, 200 and 100 per employee
    assert supplies[steel, "bf_slag"]["quantity"] == "1959720 t/yr"
    assert supplies[steel, "steel_slag"]["quantity"] == "699900 t/yr"
    assert supplies[steel, "waste_heat"]["quantity"] == "349950 MWh/yr"
    assert supplies[steel, "waste_heat"]["temperature"] == "120 degC"
    assert supplies[steel, "bf_slag"]["disposal_cost"] == "5 EUR/t"
    # the bakery row (10.71: 2 per site + 1 per employee) overrides the food row (10)
    bakery = supplies["e22222222222220", "organic_waste"]
    assert (
        bakery["quantity"] == "3.5 t/yr"
        and "coefficient bakery_waste" in bakery["sources"]["quantity"]
    )
    (heat,) = doc["demands"]
    assert heat["site"] == "e33333333333330" and heat["commodity"] == "waste_heat"
    assert heat["quantity"] == "27250 MWh/yr"  # 20,000 per site + 500 x 14.5 employees
    assert heat["min_temperature"] == "90 degC" and heat["price"] == "40 EUR/MWh"
    assert heat["profile"] == {"winter": 2.0, "mid_season": 0.9, "summer": 0.2}
    assert "Left out: 1 closed" in doc["territory"]["notes"]
    assert "SYNTHETIC" not in doc["territory"]["name"]
    inventory_from_document(doc)


def test_a_malformed_coefficient_table_names_the_line_and_column(tmp_path: Path) -> None:
    table = pd.read_csv(COEFFICIENTS_CSV, dtype=str, keep_default_na=False).head(2)
    table.loc[0, "role"] = "gives"
    table.loc[1, "per_employee"] = "many"
    table.loc[1, "naf_prefix"] = "steel"
    path = tmp_path / "coefficients.csv"
    table.to_csv(path, index=False)
    with pytest.raises(RegionError) as caught:
        read_coefficients(path)
    message = str(caught.value)
    first, second = table.loc[0, "id"], table.loc[1, "id"]
    assert f"line 2 (id {first}), column role: write has or wants, got 'gives'" in message
    assert f"line 3 (id {second}), column per_employee: expected a number >= 0" in message
    assert f"line 3 (id {second}), column naf_prefix: write a NAF rev. 2 prefix" in message


def test_a_coefficient_table_without_rows_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "coefficients.csv"
    path.write_text(COEFFICIENTS_CSV.read_text(encoding="utf-8").splitlines()[0] + "\n")
    with pytest.raises(
        RegionError, match=r"coefficients\.csv: no coefficient rows below the header"
    ):
        read_coefficients(path)


def test_an_establishments_file_without_coordinates_says_which_columns_to_give(
    tmp_path: Path,
) -> None:
    path = tmp_path / "e.csv"
    path.write_text(
        "siret,activitePrincipaleEtablissement,trancheEffectifsEtablissement\n1,24.10Z,52\n"
    )
    with pytest.raises(RegionError, match="no coordinates: give x_longitude and y_latitude"):
        build_region(path)
    path.write_text("siret,x_longitude,y_latitude\n1,2.0,50.0\n")
    with pytest.raises(RegionError, match=r"missing column.*activitePrincipaleEtablissement"):
        build_region(path)


def test_repeated_sirets_and_non_utf8_files_are_handled_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(
        "siret,activitePrincipaleEtablissement,trancheEffectifsEtablissement,x_longitude,y_latitude\n"
        "10000000000008,35.30Z,11,2.3,51.0\n10000000000008,35.30Z,12,2.3,51.0\n",
        encoding="utf-8",
    )
    doc = build_region(path)
    assert [s["id"] for s in doc["sites"]] == ["e10000000000008"]
    assert doc["demands"][0]["quantity"] == "27250 MWh/yr"  # the first row's band 11
    assert "1 repeated SIRET" in doc["territory"]["notes"]
    path.write_bytes("siret;activitePrincipaleEtablissement\n1;Société\n".encode("latin-1"))
    with pytest.raises(RegionError, match=r"e\.csv: not UTF-8 text: save the CSV as UTF-8"):
        build_region(path)


def test_the_shipped_coefficients_use_commodities_with_prices_and_modes() -> None:
    table = read_coefficients(COEFFICIENTS_CSV)
    defaults = yaml.safe_load(DEFAULTS_YAML.read_text(encoding="utf-8"))
    known = set(BUILTIN) | {c["id"] for c in defaults["commodities"]}
    carried = {c for mode in defaults["modes"] for c in mode["commodities"]}
    assert set(table["commodity"]) <= known
    assert set(table["commodity"]) <= carried
    wants = table[table["role"] == "wants"]
    assert (wants["price"] != "").all() and (wants["co2"] != "").all()
    sectors = {"steel", "metals", "food and drink", "chemicals", "paper and wood", "plastics"}
    sectors |= {"cement and building materials", "energy", "district heating", "greenhouses"}
    assert sectors | {"wastewater"} <= set(table["sector"])


def test_the_region_verbs_generate_and_build_a_region(tmp_path: Path) -> None:
    establishments, region = tmp_path / "e.csv", tmp_path / "region.yaml"
    assert (
        symbiose_main(["region", "generate", "--seed", "4", "--sites", "200", "-o", str(establishments)]) == 0
    )
    assert symbiose_main(["region", "build", str(establishments), "-o", str(region)]) == 0
    inv = load_inventory(region)  # a YAML the inventory reader accepts (no aliases)
    assert inv.sites and inv.supplies and inv.demands
    assert symbiose_main(["region", "build", str(tmp_path / "missing.csv"), "-o", str(region)]) == 2


def test_the_symbiose_command_line_has_the_region_verbs(tmp_path: Path) -> None:
    establishments, region = tmp_path / "e.csv", tmp_path / "region.json"
    assert symbiose_main(["region", "generate", "--sites", "100", "-o", str(establishments)]) == 0
    assert symbiose_main(["region", "build", str(establishments), "-o", str(region)]) == 0
    assert load_inventory(region).sites


def test_registering_the_region_verbs_imports_nothing_heavy() -> None:
    code = "import sys, cli.region; print(sorted({'pandas', 'numpy', 'yaml'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


REGIONAL_INPUT = """\
siret,activitePrincipaleEtablissement,trancheEffectifsEtablissement,x_longitude,y_latitude
11111111111110,35.30Z,11,2.368,51.033
1111111111111A,35.30Z,11,2.368,51.033
1111111111111,35.30Z,11,2.368,51.033
11111111111111,35.30Z,11,2.368,51.033
22222222222220,35.30Z,11,2.3522,48.8566
33333333333330,35.30Z,11,0,0
44444444444440,35.30Z,11,-177.7,-50.5
55555555555553,10.71C,ZZ,2.368,51.033
10000000000008,10.71C,,2.368,51.033
10000000000016,10.71C,NN,2.368,51.033
"""


def test_region_build_kept_malformed_sirets_and_far_away_establishments_with_no_word(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "e.csv"
    path.write_text(REGIONAL_INPUT, encoding="utf-8")
    out = tmp_path / "region.yaml"
    assert symbiose_main(["region", "build", str(path), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    # letters, 13 digits and a wrong Luhn digit; Paris and the antipode; (0, 0)
    kept = {s["id"] for s in doc["sites"]}
    assert kept == {"e11111111111110", "e10000000000016"}
    notes = doc["territory"]["notes"]
    for said in (
        "3 malformed SIRET (letters, not 14 digits, or a wrong check digit)",
        "1 at (0, 0)",
        "2 outside Hauts-de-France",
    ):
        assert said in notes and f"left out: {said}" in printed


def test_region_build_read_an_unknown_headcount_band_as_zero_employees(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(REGIONAL_INPUT, encoding="utf-8")
    built_doc = build_region(path)
    # bakery_waste is 2 t per site + 1 per employee: with 'ZZ' or a blank band the headcount
    # is unknown, so no quantity is computed (2 t/yr would be reading it as zero); NN is a
    # known zero (no salaried staff)
    supplies = {s["site"]: s["quantity"] for s in built_doc["supplies"]}
    assert supplies == {"e10000000000016": "2 t/yr"}
    notes = built_doc["territory"]["notes"]
    assert "2 establishments with a headcount band that is not an INSEE code ('ZZ' 1, blank 1)" in notes
    # per establishment: its organic waste (bakery row) and its heat (food row, from 50 staff)
    assert "so 4 supplies or demands that need a headcount were not computed" in notes


def test_a_synthetic_file_keeps_its_positions_outside_the_region_and_says_so(tmp_path: Path) -> None:
    path = write_establishments(generate_establishments(2_000, seed=3), tmp_path / "e.csv", 3)
    doc = build_region(path)
    assert re.search(r"\d+ SYNTHETIC positions outside the region, kept", doc["territory"]["notes"])
    assert "outside Hauts-de-France" not in doc["territory"]["notes"]


def test_the_region_outline_holds_the_regions_plants_and_not_paris() -> None:
    from symbiose.region.territory import inside

    lon = np.array([2.262, 2.2, 3.06, 2.30, 2.3522, 0.0, -177.7, 4.71, 1.58])
    lat = np.array([51.036, 51.05, 50.63, 49.89, 48.8566, 0.0, -50.5, 49.77, 50.72])
    # Dunkirk steelworks, the dyke of the port, Lille, Amiens; Paris, (0, 0), the antipode,
    # Charleville-Mezieres (Ardennes); Boulogne-sur-Mer's harbour, on the simplified coast
    assert inside(lon, lat).tolist() == [True, True, True, True, False, False, False, False, True]


def test_siret_check_digits_follow_luhn_and_la_postes_rule() -> None:
    from symbiose.region.territory import siret_valid

    sirets = pd.Series(
        ["55208131790654", "55208131790655", "35600000000048", "3560000000004A", " 55208131790654 "]
    )
    assert siret_valid(sirets).tolist() == [True, False, True, False, True]
