"""The register-anchored regional inventory: readers, matching, precedence, slips, licences."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cli.main import main as symbiose_main
from symbiose.inventory.io import inventory_from_document
from symbiose.region.anchored import anchors, build_from_registers
from symbiose.region.anchored_report import write_report
from symbiose.region.matching import OverridesError, likeness, read_overrides, words
from symbiose.region.registers import EUTL, HOTMAPS, IREP, RegisterError, read_register

ROOT = Path(__file__).resolve().parents[2]
HDF = ROOT / "datasets" / "hauts-de-france"

EUTL_HEADER = (
    "X,Y,seqe_id,account_holder_name,installation_name,parent_company,zip_code,country,"
    "main_activity_type_code,main_activity_type_code_lookup,year,emissions,kind"
)
IREP_HEADER = (
    "Identifiant,Nom_Etablissement,Annee_Emission,Milieu,Polluant,quantite,unite,Numero_SIRET,"
    "Code_Postal,Commune,Departement,Region,Coordonnees_X,Coordonnees_Y,Code_APE,Libelle_APE,"
    "code_eprtr,libelle_eprtr,Adresse,latitude,longitude,geocode_src,geocode_qualite"
)
HOTMAPS_HEADER = (
    "SiteID;CompanyName;SiteName;Address;CityCode;City;Country;geom;Subsector;DataSource;"
    "Emissions_ETS_2014;Emissions_EPRTR_2014;Production;Fuel_Demand;Excess_Heat_100-200C;"
    "Excess_Heat_200-500C;Excess_Heat_500C;Excess_Heat_Total"
)
FOSSIL = "Dioxyde de carbone (CO2) d'origine non biomasse"


def eutl_row(
    seqe: str, name: str, emissions: str, *, year: str = "2022", lon: float = 2.3367,
    lat: float = 51.0301, zip_code: str = "59381", holder: str = "", activity: str = "Combustion of fuels",
) -> str:
    holder = holder or name
    return (
        f"{lon},{lat},{seqe},{holder},{name},{holder},{zip_code},FR,20,{activity},{year},"
        f"{emissions},Combustion"
    )


def irep_row(
    ident: str, name: str, quantity: str, *, siret: str, lat: float, lon: float,
    commune: str = "DUNKERQUE", postcode: str = "59140", naf: str = "2410Z",
    pollutant: str = FOSSIL, unit: str = "kg/an",
) -> str:
    return (
        f"{ident},{name},2019,Air,{pollutant},{quantity},{unit},{siret},{postcode},{commune},NORD,"
        f"HAUTS-DE-FRANCE,0,0,{naf},label,1.(c),label,rue,{lat},{lon},API BAN,0.9"
    )


def hotmaps_row(
    site: str, name: str, *, ets: str = "", eprtr: str = "", heat: tuple[str, str, str] = ("", "", ""),
    point: str = "POINT(2.34 51.03)", city_code: str = "59381", country: str = "France",
) -> str:
    total = sum(float(h or 0) for h in heat)
    geom = f'"SRID=4326;{point}"' if point else ""
    return (
        f"{site};{name};{name};rue;{city_code};Dunkerque;{country};{geom};Iron and steel;ETS;"
        f"{ets};{eprtr};;;{heat[0]};{heat[1]};{heat[2]};{total:.2f}"
    )


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# -- readers -----------------------------------------------------------------------------------


def test_a_register_file_is_recognised_by_its_header_and_another_file_is_refused(
    tmp_path: Path,
) -> None:
    eutl = write(tmp_path / "a.csv", EUTL_HEADER, [eutl_row("1", "PLANT", "100")])
    irep = write(tmp_path / "b.csv", IREP_HEADER, [
        irep_row("070.1", "PLANT", "1000", siret="11111111111110", lat=51.0, lon=2.3)
    ])
    hot = write(tmp_path / "c.csv", HOTMAPS_HEADER, [hotmaps_row("5", "PLANT")])
    assert [read_register(p).info for p in (eutl, irep, hot)] == [EUTL, IREP, HOTMAPS]
    other = write(tmp_path / "d.csv", "siret,name", ["1,x"])
    with pytest.raises(RegisterError, match=r"d\.csv: not a register file.*EUTL: seqe_id"):
        read_register(other)


def test_a_malformed_or_blank_emissions_figure_is_left_out_with_its_reason_never_read_as_zero(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "eutl.csv", EUTL_HEADER, [
        eutl_row("1", "GOOD", "1200.5"),
        eutl_row("2", "BLANK", ""),
        eutl_row("3", "COMMA", '"1,5"'),
        eutl_row("4", "NEGATIVE", "-30"),
        eutl_row("5", "TEXT", "n/a"),
        eutl_row("6", "NAN", "nan"),
        eutl_row("7", "ZERO", "0"),
        eutl_row("8", "BADYEAR", "10", year="22"),
    ])
    register = read_register(path)
    figures = register.figures.set_index("record")["value"]
    assert figures.to_dict() == {"eutl:1": 1200.5, "eutl:7": 0.0}  # a written 0 is a 0
    why = register.left_out.set_index("record")["reason"].to_dict()
    assert why["eutl:2"] == "blank"
    assert why["eutl:3"].startswith("not a number") and why["eutl:5"].startswith("not a number")
    assert why["eutl:4"] == "negative"
    assert why["eutl:6"].startswith("not a number")
    assert why["eutl:8"] == "not a year: write it as 2022"
    assert (register.left_out["line"] == register.left_out["record"].str[5:].astype(int) + 1).all()


def test_an_irep_row_in_another_unit_is_left_out_and_a_malformed_siret_is_reported(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "irep.csv", IREP_HEADER, [
        irep_row("070.1", "A", "5000000", siret="1111111111111A", lat=51.0, lon=2.3),
        irep_row("070.2", "B", "7000", siret="11111111111110", lat=51.0, lon=2.3, unit="g/an"),
    ])
    register = read_register(path)
    assert register.figures["record"].tolist() == ["irep:070.1"]
    assert register.figures["value"].tolist() == [5000.0]  # kg/yr read as t/yr
    why = register.left_out.set_index(["record", "column"])["reason"]
    assert why["irep:070.2", "unite"] == "unit is not kg/an"
    assert why["irep:070.1", "Numero_SIRET"].startswith("malformed SIRET")
    assert register.records.set_index("record").loc["irep:070.1", "siret"] == ""


def test_hotmaps_points_carry_their_rounding_and_eutl_its_postcode_centroid_as_precision(
    tmp_path: Path,
) -> None:
    hot = write(tmp_path / "h.csv", HOTMAPS_HEADER, [
        hotmaps_row("1", "ROUNDED", point="POINT(2.36 51.03)"),
        hotmaps_row("2", "PRECISE", point="POINT(2.894151 49.484091)"),
        hotmaps_row("3", "NOWHERE", point=""),
    ])
    records = read_register(hot).records.set_index("record")
    assert records.loc["hotmaps:1", "precision_km"] == pytest.approx(0.556)  # 0.005 deg
    assert records.loc["hotmaps:2", "precision_km"] == pytest.approx(0.05)
    assert pd.isna(records.loc["hotmaps:3", "latitude"])
    eutl = read_register(write(tmp_path / "e.csv", EUTL_HEADER, [eutl_row("1", "P", "1")]))
    row = eutl.records.iloc[0]
    assert row["precision_km"] == 5.0 and "centroid of postcode 59381" in row["position"]


# -- matching ----------------------------------------------------------------------------------


def test_names_are_compared_without_accents_legal_forms_or_misspellings() -> None:
    assert words("O-I France SAS") == ("OI",)
    assert words("Société de la Raffinerie de Dunkerque") == ("RAFFINERIE", "DUNKERQUE")
    assert likeness(words("ARCELORMITTAL FRANCE"), words("ARCELOR MITTAL - SITE DE DUNKERQUE")) == 1
    assert likeness(words("MC CAIN ALIMENTAIRE"), words("McCAIN AILMENTAIRE")) > 0.6
    assert likeness(words("VALLOUREC TUBES"), words("VALLOUREC OIL AND GAS")) < 0.6


def hand_registers(tmp_path: Path, *, irep_co2: str = "18737000") -> list[Path]:
    """The Dunkirk disagreement by hand: a steelworks, a power plant, two alike chemists."""
    eutl = write(tmp_path / "eutl.csv", EUTL_HEADER, [
        eutl_row("956", "ARCELORMITTAL FRANCE- DUNKERQUE", "6410303", holder="ARCELORMITTAL FRANCE"),
        eutl_row("956", "ARCELORMITTAL FRANCE- DUNKERQUE", "6000000", year="2021",
                 holder="ARCELORMITTAL FRANCE"),
        eutl_row("988", "ETF - CENTRALE DK6", "3954748", holder="ENGIE THERMIQUE FRANCE",
                 lon=2.3170, lat=51.0400, zip_code="59951"),
        eutl_row("900", "CHIMIE DU NORD - CHAUFFERIE", "50000", lon=3.06, lat=50.63, zip_code="59000"),
    ])
    irep = write(tmp_path / "irep.csv", IREP_HEADER, [
        irep_row("070.00956", "ARCELORMITTAL FRANCE", irep_co2, siret="56209442500468",
                 lat=51.026555, lon=2.33734, postcode="59381"),
        irep_row("070.01279", "ENGIE Thermique France - Centrale DK6", "4608120000",
                 siret="50149843000047", lat=51.029202, lon=2.317675, naf="3511Z", postcode="59951"),
        irep_row("070.5", "CHIMIE DU NORD", "1000", siret="11111111111110", lat=50.632,
                 lon=3.062, commune="LILLE", postcode="59000", naf="2014Z"),
        irep_row("070.6", "CHIMIE DU NORD", "1000", siret="22222222222220", lat=50.628,
                 lon=3.058, commune="LILLE", postcode="59000", naf="2014Z"),
    ])
    hot = write(tmp_path / "hot.csv", HOTMAPS_HEADER, [
        hotmaps_row("537", "ARCELORMITTAL ATLANTIQUE et LORRAINE SITE DE DUNKERQUE", ets="35234.00",
                    eprtr="7730000.00", heat=("10.00", "0.00", "5.00")),
    ])
    return [eutl, irep, hot]


def test_an_eutl_installation_joins_the_irep_establishment_of_its_name_nearby(tmp_path: Path) -> None:
    built = build_from_registers(hand_registers(tmp_path))
    site_of = built.matching.site_of
    assert site_of["eutl:956"] == site_of["hotmaps:537"] == "irep:070.00956"
    assert site_of["eutl:988"] == "irep:070.01279"
    report = built.matching.report.set_index("record")
    assert report.loc["eutl:956", "status"] == "matched"
    assert "irep:070.00956 ARCELORMITTAL FRANCE" in report.loc["eutl:956", "candidates"]


def test_two_alike_establishments_within_reach_make_the_match_ambiguous_and_kept_apart(
    tmp_path: Path,
) -> None:
    built = build_from_registers(hand_registers(tmp_path))
    row = built.matching.report.set_index("record").loc["eutl:900"]
    assert row["status"] == "ambiguous"
    assert "say which in the overrides file" in row["reason"]
    assert "irep:070.5" in row["candidates"] and "irep:070.6" in row["candidates"]
    assert built.matching.site_of["eutl:900"] == "eutl:900"  # a site of its own


def test_irep_establishments_sharing_a_siret_are_one_site_in_one_commune_and_apart_in_two(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "irep.csv", IREP_HEADER, [
        irep_row("070.1", "MCCAIN", "1000", siret="11111111111110", lat=50.45, lon=2.90, commune="HARNES"),
        irep_row("070.2", "MCCAIN", "2000", siret="11111111111110", lat=50.45, lon=2.90, commune="HARNES"),
        irep_row("070.3", "MCCAIN", "3000", siret="22222222222220", lat=50.45, lon=2.90, commune="HARNES"),
        irep_row("070.4", "MCCAIN", "4000", siret="22222222222220", lat=50.53, lon=2.64, commune="BETHUNE"),
    ])
    built = build_from_registers([path])
    site_of = built.matching.site_of
    assert site_of["irep:070.1"] == site_of["irep:070.2"]
    assert site_of["irep:070.3"] != site_of["irep:070.4"]
    apart = built.matching.report.set_index("record").loc["irep:070.4"]
    assert apart["status"] == "apart" and "the operator's SIRET" in apart["reason"]


def test_the_overrides_file_matches_keeps_apart_or_excludes_records_on_the_next_build(
    tmp_path: Path,
) -> None:
    files = hand_registers(tmp_path)
    overrides = tmp_path / "overrides.csv"
    overrides.write_text(
        "record,action,target,note\n"
        "eutl:900,match,irep:070.6,the boiler house of the second plant\n"
        "hotmaps:537,apart,,another plant\n"
        "eutl:988,exclude,,a power plant out of scope\n",
        encoding="utf-8",
    )
    built = build_from_registers(files, overrides=overrides)
    site_of = built.matching.site_of
    assert site_of["eutl:900"] == "irep:070.6"
    assert site_of["hotmaps:537"] == "hotmaps:537"
    assert "eutl:988" not in site_of.index
    report = built.matching.report.set_index("record")
    assert report.loc["eutl:988", "status"] == "excluded"
    assert report.loc["eutl:900", "reason"] == "overrides file: the boiler house of the second plant"


def test_an_overrides_file_with_a_wrong_action_or_record_names_the_line_and_column(
    tmp_path: Path,
) -> None:
    path = tmp_path / "overrides.csv"
    path.write_text("record,action,target,note\n956,merge,irep:1,x\neutl:1,match,,y\n", encoding="utf-8")
    with pytest.raises(OverridesError) as caught:
        read_overrides(path)
    message = str(caught.value)
    assert "line 2, column record: write a record as the match report does" in message
    assert "line 2, column action: write match, apart, exclude, use, got 'merge'" in message
    assert "line 3, column target: match needs a target" in message


# -- precedence, disagreements, slips ----------------------------------------------------------


def test_co2_comes_from_the_eutl_first_and_each_figure_beyond_the_tolerance_is_a_disagreement(
    tmp_path: Path,
) -> None:
    built = build_from_registers(hand_registers(tmp_path))
    co2 = built.co2.set_index(["site", "source"])
    steel = "irep:070.00956"
    assert co2.loc[(steel, "eutl"), "chosen"] and co2.loc[(steel, "eutl"), "value"] == 6410303
    assert co2.loc[(steel, "eutl"), "year"] == 2022  # the latest year, not the 2021 figure
    dis = built.disagreements[built.disagreements["site"] == steel].set_index("other")
    assert set(dis.index) == {"irep 2019", "hotmaps_ets 2014"}  # E-PRTR 7.73 Mt is within 50 %
    assert dis.loc["hotmaps_ets 2014", "other_value"] == 35234
    assert dis.loc["irep 2019", "other_value"] == pytest.approx(18737)
    # DK6: IREP 4.61 Mt against EUTL 3.95 Mt is within the tolerance
    assert not (built.disagreements["site"] == "irep:070.01279").any()
    assert "ARCELORMITTAL FRANCE (DUNKERQUE): eutl 2022 6,410,303 t CO2 chosen" in (
        built.doc["territory"]["notes"]
    )


def test_with_no_eutl_figure_the_irep_figure_comes_before_hotmaps(tmp_path: Path) -> None:
    _, irep, hot = hand_registers(tmp_path)
    built = build_from_registers([irep, hot])
    chosen = built.co2[built.co2["chosen"]].set_index("site")
    assert chosen.loc["irep:070.00956", "source"] == "irep"
    assert chosen.loc["irep:070.00956", "value"] == pytest.approx(18737)


def slip_registers(tmp_path: Path) -> list[Path]:
    return [write(tmp_path / "irep.csv", IREP_HEADER, [
        irep_row("070.00704", "MINAKEM BEUVRY PRODUCTION", "3211270000", siret="79523115800010",
                 lat=50.4456, lon=3.2697, commune="BEUVRY-LA-FORET", postcode="59310", naf="2110Z"),
        irep_row("070.1", "HSWT", "17143400", siret="11111111111110", lat=50.99, lon=2.13,
                 commune="GRAVELINES", postcode="59820", naf="2110Z"),
        irep_row("051.1", "AJINOMOTO", "19563900", siret="22222222222220", lat=49.89, lon=2.30,
                 commune="AMIENS", postcode="80000", naf="2110Z"),
    ])]


def test_a_pharmaceutical_plant_at_a_thousand_times_its_sector_is_warned_as_a_slip_and_not_used(
    tmp_path: Path,
) -> None:
    built = build_from_registers(slip_registers(tmp_path))
    (warning,) = built.warnings.to_dict("records")
    assert warning["site"] == "irep:070.00704" and warning["kind"] == "probable-x1000-slip"
    assert "175 times the median of the 2 other sites of NAF division 21" in warning["message"]
    assert "not used" in warning["message"] and "irep:070.00704,use,co2" in warning["message"]
    minakem = built.co2[built.co2["site"] == "irep:070.00704"].iloc[0]
    assert not minakem["chosen"] and minakem["slip"]
    sites = {s["id"] for s in built.doc["sites"]}
    assert "irep_070.00704" not in sites  # no capturable CO2 made of a slip
    assert "probably a x1000 slip" in built.doc["territory"]["notes"]


def test_the_overrides_file_can_keep_a_figure_warned_as_a_slip(tmp_path: Path) -> None:
    overrides = tmp_path / "o.csv"
    overrides.write_text("record,action,target,note\nirep:070.00704,use,co2,checked\n", encoding="utf-8")
    built = build_from_registers(slip_registers(tmp_path), overrides=overrides)
    assert "kept by the overrides file" in built.warnings["message"].iloc[0]
    minakem = built.co2[built.co2["site"] == "irep:070.00704"].iloc[0]
    assert minakem["chosen"] and minakem["slip"] == ""
    assert minakem["value"] == pytest.approx(3211270)


def test_an_irep_figure_a_thousand_times_the_eutl_one_is_warned(tmp_path: Path) -> None:
    files = hand_registers(tmp_path, irep_co2="6410303000000")  # kg written as g
    built = build_from_registers(files)
    warned = built.warnings.set_index("site")
    assert "1,000 times the site's EUTL figure" in warned.loc["irep:070.00956", "message"]


# -- the inventory ---------------------------------------------------------------------------


def test_the_hand_checked_quantities_follow_the_sourced_coefficients(tmp_path: Path) -> None:
    rules = anchors()
    built = build_from_registers(hand_registers(tmp_path))
    supplies = {(s["site"], s["commodity"]): s for s in built.doc["supplies"]}
    steel = "irep_070.00956"
    assert rules["capture"]["rate"] == 0.85
    assert supplies[steel, "co2"]["quantity"] == f"{0.85 * 6410303:.12g} t/yr"
    assert supplies[steel, "co2"]["handling_cost"] == "60 EUR/t"
    # Hotmaps 10 GWh/yr at 100-200 degC and 5 above 500: 15,000 MWh/yr at 100 degC
    assert supplies[steel, "waste_heat"]["quantity"] == "15000 MWh/yr"
    assert supplies[steel, "waste_heat"]["temperature"] == "100 degC"
    # the chemist's boiler house (ambiguous, a site of its own) burns 50 kt CO2: not a heat
    # taker without a sector; named CHAUFFERIE, it is district heating: 50,000 / 0.202 x 0.9
    (demand,) = built.doc["demands"]
    assert demand["site"] == "eutl_900"
    assert demand["quantity"] == f"{50000 / 0.202 * 0.9 * 1.0:.12g} MWh/yr"
    assert demand["min_temperature"] == "90 degC" and demand["profile"]["winter"] == 2.0
    assert set(demand["estimates"]) == {"quantity", "min_temperature", "price", "profile"}
    inventory_from_document(built.doc)


def test_every_figure_cites_its_register_year_and_licence(tmp_path: Path) -> None:
    built = build_from_registers(hand_registers(tmp_path))
    licence = {"EUTL": "CC BY 4.0", "IREP": "Licence Ouverte", "Hotmaps": "CC BY 4.0"}
    for item in built.doc["supplies"] + built.doc["demands"]:
        cite = item["sources"]["quantity"]
        found = [name for name in licence if re.search(rf"\b{name} (19|20)\d\d \(", cite)]
        assert found, cite
        assert all(licence[name] in cite for name in found), cite
    for site in built.doc["sites"]:
        assert "within about" in site["sources"]["latitude"] and site["position_precision"] > 0
    notes = built.doc["territory"]["notes"]
    assert "CC BY 4.0" in notes and "Licence Ouverte" in notes and "ODbL" in notes


def test_the_build_report_carries_the_licences_and_the_tables_a_coordinator_corrects(
    tmp_path: Path,
) -> None:
    built = build_from_registers(hand_registers(tmp_path))
    written = write_report(built, tmp_path / "report", "hand.yaml")
    assert [p.name for p in written] == [
        "build-report.md", "matches.csv", "disagreements.csv", "warnings.csv", "left-out.csv",
        "sites.csv",
    ]
    text = written[0].read_text(encoding="utf-8")
    assert "CC BY 4.0" in text and "Licence Ouverte" in text and "ODbL" in text
    assert "eutl:900" in text  # the ambiguous record, with its candidates
    matches = pd.read_csv(tmp_path / "report" / "matches.csv", dtype=str)
    assert set(matches["status"]) >= {"anchor", "matched", "ambiguous"}


def test_records_outside_the_territory_or_at_zero_zero_are_left_out_with_their_reason(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "eutl.csv", EUTL_HEADER, [
        eutl_row("1", "PARIS", "100", lon=2.3522, lat=48.8566, zip_code="75001"),
        eutl_row("2", "NULL", "100", lon=0, lat=0, zip_code="59000"),
        eutl_row("3", "LILLE", "100", lon=3.06, lat=50.63, zip_code="59000"),
    ])
    belgian = write(tmp_path / "hot.csv", HOTMAPS_HEADER, [
        hotmaps_row("7", "USINE BELGE", point="POINT(3.17 50.75)", city_code="7700", country="Belgium"),
    ])  # Mouscron, 1 km over the border: inside the outline's 5 km margin
    built = build_from_registers([path, belgian])
    why = built.left_out.set_index("record")["reason"].to_dict()
    assert why == {
        "eutl:1": "outside Hauts-de-France",
        "eutl:2": "at (0, 0)",
        "hotmaps:7": "in another country: Belgium",
    }
    france = build_from_registers([path, belgian], territory="france")
    assert set(france.left_out["record"]) == {"eutl:2", "hotmaps:7"}


def test_the_registers_verb_writes_the_inventory_and_its_build_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, report = tmp_path / "region.yaml", tmp_path / "report"
    files = [str(p) for p in hand_registers(tmp_path)]
    assert symbiose_main(["region", "registers", *files, "-o", str(out), "--report", str(report)]) == 0
    printed = capsys.readouterr().out
    assert "wrote" in printed and "CO2 disagreements beyond the tolerance: 2" in printed
    assert (report / "build-report.md").exists()
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["sites"]
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    assert symbiose_main(["region", "registers", str(bad), "-o", str(out)]) == 2


# -- the shipped dataset -----------------------------------------------------------------------


def shipped_build() -> object:
    return build_from_registers(
        sorted((HDF / "registers").glob("*.csv")),
        overrides=HDF / "overrides.csv",
        additions=HDF / "infrastructure.yaml",
    )


def test_the_shipped_hauts_de_france_inventory_is_the_build_of_its_registers() -> None:
    built = shipped_build()
    shipped = yaml.safe_load((HDF / "hauts-de-france.yaml").read_text(encoding="utf-8"))
    assert built.doc == shipped, "rebuild it: see docs/region.md, 'Rebuilding it in one command'"


def test_the_shipped_build_flags_the_known_disagreements_and_the_slip() -> None:
    built = shipped_build()
    notes = built.doc["territory"]["notes"]
    assert "ARCELORMITTAL FRANCE (DUNKERQUE): eutl 2022 6,410,303 t CO2 chosen" in notes
    assert "hotmaps_ets 2014 35,234 t" in notes
    assert "MINAKEM BEUVRY PRODUCTION" in notes and "x1000 slip" in notes
    left = built.left_out.set_index(["record", "column"])["reason"]
    assert left["hotmaps:984", "position"] == "outside Hauts-de-France"  # PCA Charleville
    assert left["hotmaps:984", "CityCode"].startswith("not a 5-digit postcode")  # '8001'
    assert built.counts["added sites"] == 2


@pytest.fixture(scope="module")
def shipped_report() -> object:
    from symbiose.inventory import load_inventory
    from symbiose.pipeline import check, optimise

    return optimise(check(load_inventory(HDF / "hauts-de-france.yaml", validate=False)))


def test_the_shipped_region_solves_to_the_optimum_docs_region_md_gives(shipped_report: object) -> None:
    text = (ROOT / "docs" / "region.md").read_text(encoding="utf-8")
    found = re.search(r"\((\d{1,3}(?:,\d{3})+) EUR/yr\) and [\d.]+ kt CO2/yr avoided", text)
    assert found, "docs/region.md gives the optimum as '(N EUR/yr) and X kt CO2/yr avoided'"
    result = shipped_report.result  # type: ignore[attr-defined]
    assert result.status.value == "optimal"
    documented = int(found.group(1).replace(",", ""))
    assert result.objective == pytest.approx(documented, rel=1e-6)  # the published optima's test


def test_a_length_between_approximate_positions_says_how_far_it_may_be_off(
    shipped_report: object,
) -> None:
    report = shipped_report
    text = report.render_text()  # type: ignore[attr-defined]
    assert re.search(r"heat_pipe \d+\.\d km \(±\d", text)
    features = report.to_geojson()["features"]  # type: ignore[attr-defined]
    sites = {f["properties"]["id"]: f["properties"] for f in features if f["properties"]["kind"] == "site"}
    assert sites["eutl_40"]["position_precision"] == pytest.approx(0.05)  # a Hotmaps point
    assert "position_precision" not in sites["dartagnan_hub"]  # not from a register: exact
    links = [f["properties"] for f in features if "from_id" in f["properties"]]
    assert any(link.get("length_precision_km", 0) >= 5 for link in links)


def test_the_coefficient_table_adds_only_what_no_register_gives_where_a_headcount_is_known(
    tmp_path: Path,
) -> None:
    files = hand_registers(tmp_path)
    sirene = tmp_path / "sirene.csv"
    sirene.write_text(  # the steelworks' SIRET, band 52 (2,000-4,999: 3,499.5 counted)
        "siret,activitePrincipaleEtablissement,trancheEffectifsEtablissement,x_longitude,y_latitude\n"
        "56209442500468,24.10Z,52,2.337,51.027\n",
        encoding="utf-8",
    )
    plain = build_from_registers(files)
    built = build_from_registers(files, establishments=sirene)
    steel = "irep_070.00956"
    items = {(s["site"], s["commodity"]): s for s in built.doc["supplies"]}
    # slag from the table (no register gives slag), flagged as estimates
    assert items[steel, "bf_slag"]["quantity"] == "1959720 t/yr"  # 560 t x 3,499.5
    assert "coefficient steel_bf_slag" in items[steel, "bf_slag"]["sources"]["quantity"]
    assert "quantity" in items[steel, "bf_slag"]["estimates"]
    # heat: Hotmaps gives it, so the table's per-employee heat does not replace it
    assert items[steel, "waste_heat"]["quantity"] == "15000 MWh/yr"
    assert len(built.doc["supplies"]) == len(plain.doc["supplies"]) + 2  # bf_slag, steel_slag
    assert built.counts["sites with a headcount"] == 1
    assert "The coefficient table was not used" in plain.doc["territory"]["notes"]
