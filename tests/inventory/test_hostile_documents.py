"""Hostile and malformed documents: each is refused with its field path and a clear message.

Repeated keys, YAML aliases and merge keys, deep nesting, NaN and out-of-range literals,
oversized text, control characters and extreme figures; then the same through the command
line (exit code 2, no traceback) and the alias bomb in a subprocess under time and memory
bounds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cli.main import main
from models.jsondoc import DocumentError, read_json
from models.problem import Arc, Converter, Problem, ProblemError
from models.serialise import problem_from_dict, problem_to_dict
from symbiose.inventory import InventoryError, parse_inventory, parse_scenario
from symbiose.inventory.documents import ALIAS_MESSAGE, read_yaml
from symbiose.inventory.io import inventory_from_document
from symbiose.inventory.schema import MAX_NAME, MAX_SITES

ROOT = Path(__file__).parents[2]
BASE = (Path(__file__).parent / "malformed" / "base.yaml").read_text()
BASE_DOC = read_yaml(BASE)

BOMB = textwrap.dedent(
    """\
    territory: {name: Bomb}
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
    i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
    j: &j [*i,*i,*i,*i,*i,*i,*i,*i,*i]
    k: &k [*j,*j,*j,*j,*j,*j,*j,*j,*j]
    """
)


def issues(data: str | dict, fmt: str = "yaml") -> list[tuple[str, str]]:
    """The (path, message) pairs an inventory is refused with."""
    with pytest.raises(InventoryError) as info:
        parse_inventory(data if isinstance(data, str) else json.dumps(data), fmt)
    return [(issue.path(), issue.msg) for issue in info.value.issues]


def assert_refused(got: list[tuple[str, str]], path: str, fragment: str) -> None:
    assert any(p == path and fragment in m for p, m in got), f"{path}: ...{fragment}..., got {got}"


def with_doc(**changes: object) -> dict:
    """A copy of the corpus base with top-level sections replaced."""
    doc = json.loads(json.dumps(BASE_DOC))
    doc.update(changes)
    return doc


def site(**fields: object) -> dict:
    return {"id": "s", "name": "S", "latitude": 51.0, "longitude": 2.0, **fields}


# -- repeated keys -------------------------------------------------------------------------
def test_a_second_supplies_section_in_yaml_is_refused_not_dropped() -> None:
    text = BASE + "supplies:\n  - {site: steel, commodity: co2, quantity: 1 Mt/yr}\n"
    got = issues(text)
    assert_refused(got, "supplies", "duplicate section 'supplies' at line 24 (first at line 11)")


def test_a_repeated_field_in_a_yaml_item_is_refused_with_its_path() -> None:
    text = BASE.replace("quantity: 80 GWh/yr,", "quantity: 80 GWh/yr, quantity: 8 GWh/yr,")
    assert_refused(issues(text), "supplies[0].quantity", "duplicate key 'quantity' at line 12")


def test_every_repeated_key_in_yaml_is_listed() -> None:
    text = "territory:\n  name: A\n  name: B\nsites: []\nsites: []\n"
    got = issues(text)
    assert_refused(got, "territory.name", "duplicate key 'name' at line 3 (first at line 2)")
    assert_refused(got, "sites", "duplicate section 'sites' at line 5")


def test_repeated_keys_in_json_are_refused_with_their_paths() -> None:
    text = json.dumps(BASE_DOC)[:-1] + ', "supplies": []}'
    assert_refused(issues(text, "json"), "supplies", "duplicate section 'supplies'")
    text = '{"territory": {"name": "T"}, "sites": [{"id": "a", "id": "b"}]}'
    assert_refused(issues(text, "json"), "sites[0].id", "duplicate key 'id'")


def test_a_repeated_key_in_a_scenario_is_refused() -> None:
    with pytest.raises(InventoryError) as info:
        parse_scenario("name: s\nterritory: {carbon_price: 1, carbon_price: 2}\n")
    issue = info.value.issues[0]
    assert issue.path() == "territory.carbon_price" and "duplicate key" in issue.msg


# -- aliases, merge keys, tags -------------------------------------------------------------
def test_yaml_anchors_and_aliases_are_refused_with_their_line() -> None:
    text = BASE.replace(
        "  - {site: steel, commodity: bf_slag,", "  - &slag {site: steel, commodity: bf_slag,"
    )
    assert_refused(issues(text), "supplies[1]", ALIAS_MESSAGE + " (line 13, column 5)")


def test_the_billion_laughs_bomb_is_refused_at_its_first_anchor() -> None:
    assert_refused(issues(BOMB), "a", "anchors and aliases (&name, *name) are not accepted")


def test_yaml_merge_keys_are_refused() -> None:
    text = "territory:\n  <<: {name: A}\n  name: B\n"
    assert_refused(issues(text), "territory", "YAML merge keys (<<) are not accepted")


@pytest.mark.parametrize(
    "tag", ["!!python/object/apply:os.system ['true']", "!!set {a, b}", "!!omap [{a: 1}]"]
)
def test_yaml_tags_beyond_plain_data_are_refused(tag: str) -> None:
    got = issues(f"territory: {{name: T}}\nsites: {tag}\n")
    assert_refused(got, "sites", "is not accepted (line 2")


def test_several_yaml_documents_in_one_file_are_refused() -> None:
    got = issues(BASE + "---\nterritory: {name: Other}\n")
    assert_refused(got, "(document)", "several YAML documents")


# -- nesting and size ------------------------------------------------------------------------
def test_yaml_nested_ten_thousand_deep_is_refused_without_recursing() -> None:
    text = "territory: {name: T}\nsites: " + "[" * 10_000 + "]" * 10_000 + "\n"
    got = issues(text)
    assert len(got) == 1
    path, msg = got[0]
    # The builder refuses at the 51st level, at its path; libyaml (PyYAML >= 6.0.4) may refuse
    # first, in its scanner, where only the line and column are known.
    assert path.startswith("sites[0][0]") or path == "(document)"
    assert "nested more than 50 levels deep" in msg
    assert path != "(document)" or "line 2, column" in msg


def test_json_nested_a_hundred_thousand_deep_is_refused_before_decoding() -> None:
    text = '{"territory": {"name": "T"}, "sites": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert_refused(issues(text, "json"), "(document)", "nested more than 50 levels deep (line 1)")


def test_brackets_inside_json_strings_do_not_count_as_nesting() -> None:
    doc = with_doc(sites=[site(notes="[" * 1000 + '\\"{')])
    assert json.loads(json.dumps(doc)) == read_json(json.dumps(doc))


def test_a_scenario_nested_too_deep_is_an_inventory_error() -> None:
    with pytest.raises(InventoryError) as info:
        parse_scenario('{"name": "s", "territory": {"a": ' + "[" * 5000 + "]" * 5000 + "}}", "json")
    assert "nested more than 50 levels deep" in info.value.issues[0].msg


def test_documents_above_the_size_limit_are_refused_unread() -> None:
    with pytest.raises(DocumentError) as info:
        read_yaml(BASE, max_bytes=100)
    assert "more than the" in str(info.value) and "MiB accepted" in str(info.value)
    with pytest.raises(DocumentError):
        read_json(json.dumps(BASE_DOC), max_bytes=100)


def test_documents_with_too_many_values_or_too_slow_to_read_are_refused() -> None:
    with pytest.raises(DocumentError) as info:
        read_yaml(BASE, max_nodes=50)
    assert "more than 50 values" in str(info.value)
    many = "x: [" + ", ".join(["1"] * 40_000) + "]\n"
    with pytest.raises(DocumentError) as info:
        read_yaml(many, seconds=-1.0)
    assert "takes too long to read" in str(info.value)


# -- literals --------------------------------------------------------------------------------
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_json_numbers_are_refused_with_their_path(literal: str) -> None:
    text = '{"territory": {"name": "T", "carbon_price": ' + literal + "}}"
    assert_refused(issues(text, "json"), "territory.carbon_price", "finite number")


@pytest.mark.parametrize("literal", [".nan", ".inf", "-.Inf", "1.0e+400"])
def test_non_finite_yaml_numbers_are_refused_with_their_path(literal: str) -> None:
    got = issues(f"territory: {{name: T, carbon_price: {literal}}}\n")
    assert_refused(got, "territory.carbon_price", "is not a finite number")


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_integers_of_thousands_of_digits_are_refused_not_rounded(fmt: str) -> None:
    text = '{"territory": {"name": "T", "carbon_price": ' + "9" * 5000 + "}}"
    assert_refused(issues(text, fmt), "territory.carbon_price", "an integer of 5000 digits")


@pytest.mark.parametrize(
    ("literal", "fragment"),
    [("010", "is not a decimal integer"), ("0x1F", "is not a decimal integer"),
     ("1:30", "colons as base 60"), ("1:30.5", "is a base-60 number")],
)  # fmt: skip
def test_yaml_octal_hex_and_base_60_literals_are_refused_not_reinterpreted(
    literal: str, fragment: str
) -> None:
    got = issues(BASE.replace("discount_rate: 0.05", f"discount_rate: {literal}"))
    assert_refused(got, "territory.discount_rate", fragment)


def test_yaml_decimal_literals_with_underscores_and_signs_read_as_written() -> None:
    assert read_yaml("a: 1_000\nb: +7\nc: -0.5\nd: 1.5e+3\ne: '010'\n") == {
        "a": 1000, "b": 7, "c": -0.5, "d": 1500.0, "e": "010"
    }  # fmt: skip


# -- text and list limits ----------------------------------------------------------------------
def test_a_two_megabyte_site_name_is_refused_with_the_limit() -> None:
    got = issues(with_doc(sites=[site(name="x" * 2_000_000)]), "json")
    assert_refused(got, "sites[0].name", f"at most {MAX_NAME} characters")


def test_a_nul_byte_in_an_id_is_refused() -> None:
    got = issues(with_doc(sites=[site(id="steel\x00works")]), "json")
    assert_refused(got, "sites[0].id", "must not contain control characters (found U+0000")


def test_a_raw_nul_byte_in_yaml_is_refused_with_its_line() -> None:
    got = issues(BASE.replace("name: Steelworks", "name: Steel\x00works"))
    assert_refused(got, "(document)", "invalid YAML at line 7, column 28: the character '\\x00'")


def test_line_breaks_are_refused_in_names_but_kept_in_notes() -> None:
    got = issues(with_doc(sites=[site(name="Steel\nworks")]), "json")
    assert_refused(got, "sites[0].name", "write it on one line")
    doc = json.loads(json.dumps(BASE_DOC))
    doc["sites"][0]["notes"] = "First line.\nSecond line,\twith a tab."
    assert parse_inventory(json.dumps(doc), "json").sites[0].notes.count("\n") == 1
    doc["sites"][0]["notes"] = "bad\x00note"
    assert_refused(issues(doc, "json"), "sites[0].notes", "control characters")


def test_an_overlong_mapping_key_is_refused_and_shown_clipped() -> None:
    got = issues(with_doc(sites=[site(sources={"k" * 5000: "somewhere"})]), "json")
    assert len(got) == 1
    path, msg = got[0]
    assert path.startswith("sites[0].sources.kkkk") and path.endswith("...") and len(path) < 100
    assert msg.startswith("the key: String should have at most 200 characters")


def test_an_overlong_amount_and_reference_are_refused() -> None:
    doc = json.loads(json.dumps(BASE_DOC))
    doc["supplies"][0]["quantity"] = "80 GWh/yr " + " " * 200
    doc["supplies"][1]["site"] = "s" * 101
    got = issues(doc, "json")
    assert_refused(got, "supplies[0].quantity", "at most 100 characters")
    assert_refused(got, "supplies[1].site", "at most 100 characters")


def test_more_sites_than_a_region_has_are_refused() -> None:
    doc = {"territory": {"name": "T"}, "sites": [site()] * (MAX_SITES + 1)}
    with pytest.raises(InventoryError) as info:
        inventory_from_document(doc, validate=False)
    got = [(issue.path(), issue.msg) for issue in info.value.issues]
    assert_refused(got, "sites", f"at most {MAX_SITES} items")
    assert all(len(m) < 300 for _, m in got)


def test_a_long_scenario_name_is_refused() -> None:
    with pytest.raises(InventoryError) as info:
        parse_scenario({"name": "n" * 201})
    assert info.value.issues[0].path() == "name"


# -- extreme figures ---------------------------------------------------------------------------
@pytest.mark.parametrize("value", [1e-300, 1e300])
def test_converter_yields_far_out_of_range_are_refused(value: float) -> None:
    text = BASE.replace("inputs: {bf_slag: 1.05}", f"inputs: {{bf_slag: {value!r}}}")
    assert_refused(issues(text), "converters[0].inputs.bf_slag", "is out of range")


@pytest.mark.parametrize(
    ("old", "new", "path", "fragment"),
    [
        ("quantity: 80 GWh/yr", "quantity: 1e308 MWh/yr", "supplies[0].quantity", "out of range"),
        ("quantity: 80 GWh/yr", "quantity: 1e300 GWh/yr", "supplies[0].quantity", "out of range"),
        ("disposal_cost: 5 EUR/t", "disposal_cost: 1e-300 EUR/t", "supplies[1].disposal_cost", "too small"),
        ("carbon_price: 80 EUR/t", "carbon_price: 1e300 EUR/t", "territory.carbon_price", "out of range"),
        ("lifetime: 30 yr", "lifetime: 1e-300 yr", "modes[0].lifetime", "too small"),
        ("{winter: 1.6, summer: 0.4}", "{winter: 1.0e300, summer: 0.4}", "demands[0].profile.winter", "out of range"),
        ("{name: winter, share: 0.5}", "{name: winter, share: 1.0e-300}", "seasons[0].share", "too small"),
    ],
)  # fmt: skip
def test_extreme_figures_are_refused_with_their_field(
    old: str, new: str, path: str, fragment: str
) -> None:
    assert old in BASE
    assert_refused(issues(BASE.replace(old, new)), path, fragment)


def test_a_discount_rate_too_small_to_differ_from_zero_is_refused_not_a_division_by_zero() -> None:
    got = issues(BASE.replace("discount_rate: 0.05", "discount_rate: 1.0e-300"))
    assert_refused(got, "territory.discount_rate", "too small to be told from 0")


def test_a_derived_figure_out_of_range_names_the_generated_link() -> None:
    text = BASE.replace("cost_per_unit_km: 0.12 EUR/(t*km)", "cost_per_unit_km: 9e14 EUR/(t*km)")
    assert_refused(
        issues(text),
        "(document)",
        "arcs[steel->grinder:truck].variable_cost[bf_slag]: 1.53693e+15 is out of range",
    )


def test_a_figure_just_inside_the_range_is_kept_exactly() -> None:
    text = BASE.replace("quantity: 80 GWh/yr", "quantity: 9.5e14 MWh/yr")
    inv = parse_inventory(text, "yaml")
    assert inv.supplies[0].quantity == "9.5e14 MWh/yr"


def small_problem(**arc: float) -> dict:
    """A valid problem document with arc fields replaced (after the Problem checks)."""
    problem = Problem(
        nodes=("a", "b"),
        commodities=("x", "y"),
        arcs=(Arc("a", "b", "truck", ("x",)),),
        converters=(Converter("c", "b", {"x": 1.0}, {"y": 1.0}),),
    )
    doc = problem_to_dict(problem)
    doc["arcs"][0].update(arc)
    return doc


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("capacity", 1e308, "arcs[a->b:truck].capacity: 1e+308 is out of range"),
        ("fixed_cost", 1e300, "arcs[a->b:truck].fixed_cost: 1e+300 is out of range"),
    ],
)
def test_a_numeric_problem_with_extreme_figures_names_the_field(
    field: str, value: float, fragment: str
) -> None:
    doc = small_problem(**{field: value})
    with pytest.raises(ProblemError) as info:
        problem_from_dict(doc)
    assert fragment in str(info.value)


def test_a_numeric_problem_with_a_yield_the_solver_would_drop_is_refused() -> None:
    doc = small_problem()
    doc["converters"][0]["inputs"] = {"x": 1e-12}
    with pytest.raises(ProblemError) as info:
        problem_from_dict(doc)
    assert "converters[c].inputs[x]: yield 1e-12 is below 1e-09" in str(info.value)


# -- the command line ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content", "fragments"),
    [
        ("bomb.yaml", BOMB, ["a: YAML anchors and aliases", "line 2, column 4"]),
        ("twice.yaml", BASE + "sites: []\n", ["sites: duplicate section 'sites' at line 24 (first at line 6)"]),
        ("deep.json", '{"sites": ' + "[" * 100_000 + "]" * 100_000 + "}", ["nested more than 50"]),
        ("nan.json", '{"territory": {"name": "T", "carbon_price": NaN}}', ["territory.carbon_price: NaN"]),
        ("yield.yaml", BASE.replace("{bf_slag: 1.05}", "{bf_slag: 1.0e300}"), ["converters[0].inputs.bf_slag"]),
    ],
)  # fmt: skip
def test_the_cli_refuses_hostile_inventories_without_a_traceback(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str,
    fragments: list[str],
) -> None:
    path = tmp_path / name
    path.write_text(content)
    for verb in ("validate", "solve"):
        assert main([verb, str(path), "--quiet"] if verb == "solve" else [verb, str(path)]) == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err
        for fragment in fragments:
            assert fragment in err, err


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('{"nodes": ["a"], "commodities": [], "arcs": ' + "[" * 50_000 + "]" * 50_000 + "}", "nested more than 50"),
        ('{"nodes": ["a"], "nodes": ["b"], "commodities": []}', "nodes: duplicate section 'nodes'"),
        (json.dumps(small_problem(capacity=1e308)), "capacity: 1e+308 is out of range"),
        (json.dumps(small_problem(fixed_cost=1e300)), "fixed_cost: 1e+300 is out of range"),
    ],
)  # fmt: skip
def test_the_cli_refuses_hostile_problem_json_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, fragment: str
) -> None:
    path = tmp_path / "problem.json"
    path.write_text(content)
    assert main(["solve", str(path), "--format", "json", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and fragment in err, err


MEASURE = """
import resource, subprocess, sys, time
start = time.monotonic()
run = subprocess.run([sys.executable, "-c", sys.argv[1], sys.argv[2]], capture_output=True, text=True)
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(run.returncode, round(peak_mb), run.stdout.strip(), sep="|")
print(run.stderr, file=sys.stderr)
"""

REFUSE = """
import sys, time
from symbiose.inventory import InventoryError, load_inventory
start = time.monotonic()
try:
    load_inventory(sys.argv[1])
except InventoryError as exc:
    print(round(time.monotonic() - start, 3), exc.issues[0].path(), exc.issues[0].msg, sep="|")
"""


def test_the_alias_bomb_is_refused_in_under_five_seconds_with_bounded_memory(
    tmp_path: Path,
) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB)
    assert len(BOMB) < 1000  # expands to 9**10 strings if aliases were followed
    run = subprocess.run(
        [sys.executable, "-c", MEASURE, REFUSE, str(bomb)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    code, peak_mb, seconds, path, msg = run.stdout.strip().split("|")
    assert code == "0", run.stderr
    assert float(seconds) < 5.0
    assert int(peak_mb) < 500
    assert path == "a" and "anchors and aliases" in msg


# -- the readers read ordinary documents exactly as before -------------------------------------
YAML_FILES = sorted(
    [*ROOT.glob("datasets/**/*.yaml"), *(ROOT / "tests" / "inventory" / "malformed").glob("*.yaml")]
)


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("loader", ["CSafeLoader", "SafeLoader"])
def test_ordinary_yaml_reads_exactly_as_safe_load_reads_it(
    monkeypatch: pytest.MonkeyPatch, path: Path, loader: str
) -> None:
    import yaml

    from symbiose.inventory import documents

    if not hasattr(yaml, loader):
        pytest.skip(f"PyYAML built without {loader}")
    monkeypatch.setattr(documents, "_Loader", getattr(yaml, loader))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        pytest.skip("not UTF-8 (a corpus case of its own)")
    try:
        expected = yaml.safe_load(text)
    except yaml.YAMLError:
        with pytest.raises(DocumentError, match="invalid YAML at line"):
            read_yaml(text)
        return
    assert read_yaml(text) == expected


@pytest.mark.parametrize("loader", ["CSafeLoader", "SafeLoader"])
def test_both_yaml_parsers_refuse_aliases_depth_and_repeated_keys(
    monkeypatch: pytest.MonkeyPatch, loader: str
) -> None:
    import yaml

    from symbiose.inventory import documents

    if not hasattr(yaml, loader):
        pytest.skip(f"PyYAML built without {loader}")
    monkeypatch.setattr(documents, "_Loader", getattr(yaml, loader))
    for text, fragment in [
        (BOMB, "anchors and aliases"),
        ("a: " + "[" * 10_000 + "]" * 10_000, "nested more than 50 levels deep"),
        ("a: 1\nb: 2\na: 3\n", "duplicate section 'a' at line 3 (first at line 1)"),
        ("a: b\x00c\n", "invalid YAML at line 1, column 5: the character '\\x00'"),
    ]:
        with pytest.raises(DocumentError) as info:
            read_yaml(text)
        assert fragment in str(info.value)


def test_json_reads_exactly_as_json_loads_reads_it() -> None:
    doc = with_doc(sites=[site(notes='brackets [{ in "text" }]', sources={"k": "é ü ✓"})])
    text = json.dumps(doc, ensure_ascii=False, indent=2)
    assert read_json(text) == json.loads(text)


def test_a_regional_inventory_of_25000_sites_is_within_every_document_limit() -> None:
    rows = [
        f"  - {{id: site_{i:05d}, name: Industrial site {i}, sector: industry,"
        f" latitude: {48 + i % 300 / 100}, longitude: {1 + i % 400 / 100},"
        f" notes: 'Location read from public maps; capacity from the 2023 report.'}}\n"
        f"  - {{id: extra_{i:05d}, name: Extra {i}, latitude: 50.0, longitude: 2.0}}\n"
        for i in range(12_500)
    ]
    text = "territory: {name: Region}\nsites:\n" + "".join(rows)
    doc = read_yaml(text)
    assert len(doc["sites"]) == 25_000
    as_json = json.dumps(doc)
    assert read_json(as_json) == doc
