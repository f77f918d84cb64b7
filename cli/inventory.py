"""The inventory verbs: ``template``, ``validate``, ``compare`` and ``pareto``.

Also what every inventory verb shares (``solve`` and ``sweep`` too): reading an inventory or a
scenario applied to its base (:func:`load_any`), and printing every problem of a bad inventory
with its field path (:func:`report_issues`), never a stack trace.  The inventory layer (pydantic,
pint, pandas) is imported inside the handlers, so ``symbiose --help`` does not load it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.exits import ExitCode, fail
from cli.options import add_solve_options, objective_of, solve_options
from cli.progress import solve_progress
from models.constants import DEFAULT_OBJECTIVE

if TYPE_CHECKING:
    from symbiose.inventory import Inventory, InventoryError

TEMPLATE = "inventory-template.xlsx"


def register(subparsers: Any) -> None:
    """Add ``template``, ``validate``, ``compare`` and ``pareto`` to the ``symbiose`` parser."""
    p = subparsers.add_parser(
        "template", help="write the inventory spreadsheet template (Excel or CSV folder)"
    )
    p.add_argument("out", nargs="?", default=TEMPLATE, help=f"where to write (default {TEMPLATE})")
    p.add_argument(
        "--format",
        choices=["xlsx", "csv", "yaml"],
        help="xlsx workbook, csv folder or yaml (default: from the name)",
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument(
        "--from",
        dest="source",
        metavar="INVENTORY",
        help="fill the template with this inventory (.yaml/.json/.xlsx, CSV folder or scenario"
        " file), to edit it",
    )
    p.set_defaults(handler=run_template)

    p = subparsers.add_parser("validate", help="check an inventory and list every problem")
    p.add_argument("inventory", help="inventory (.yaml/.json/.xlsx, CSV folder) or scenario file")
    p.set_defaults(handler=run_validate)

    p = subparsers.add_parser("compare", help="solve a base and scenarios, show their differences")
    p.add_argument("base", help="the base inventory")
    p.add_argument("scenarios", nargs="+", help="scenario files (YAML overrides)")
    add_solve_options(p)
    p.add_argument("--out", default="comparison", help="folder for the CSV files")
    p.set_defaults(handler=run_compare)

    p = subparsers.add_parser("pareto", help="the EUR vs CO2 front, as a table and a PNG plot")
    p.add_argument("inventory", help="inventory or scenario file")
    p.add_argument("--points", type=int, default=5, help="points on the front (default 5)")
    add_solve_options(p, objective=None)
    p.add_argument("--out", default="pareto", help="folder for pareto.csv and pareto.png")
    p.set_defaults(handler=run_pareto)


def report_issues(where: str | Path, exc: InventoryError) -> int:
    """Print every problem of ``exc`` with its field path; the exit code of bad input."""
    n = len(exc.issues)
    print(f"{where}: {n} problem{'s' if n != 1 else ''}", file=sys.stderr)
    for issue in exc.issues:
        print(f"  {issue.path()}: {issue.msg}", file=sys.stderr)
    return ExitCode.INPUT


def report_warnings(where: str | Path, inv: Inventory) -> None:
    """Print the plausibility warnings of ``inv`` (they never change the exit code)."""
    from symbiose.plausibility import plausibility_warnings

    found = plausibility_warnings(inv)
    if not found:
        return
    n = len(found)
    print(f"{where}: {n} warning{'s' if n != 1 else ''} (legal, but check)", file=sys.stderr)
    for w in found:
        print(f"  warning: {w.path()}: {w.msg}", file=sys.stderr)


def load_any(path: str | Path, *, validate: bool = True) -> tuple[Inventory, str]:
    """An inventory file, or a scenario file applied to its base; with a label for reports.

    Each file is decoded once.  Without ``validate`` only the schema is checked (of the
    inventory, or of the scenario's result), for a caller that checks the meaning next with
    :func:`symbiose.pipeline.check`.
    """
    from symbiose.inventory import InventoryError, InventoryIssue, apply_scenario, load_inventory
    from symbiose.inventory.io import ScenarioFile, load_inventory_or_scenario

    path = Path(path)
    if not path.exists():
        raise InventoryError([InventoryIssue((), f"{path}: no such file or folder")])
    read = load_inventory_or_scenario(path, validate=validate)
    if isinstance(read, ScenarioFile):
        if read.base is None:
            message = "the scenario names no base inventory ('base: ...')"
            raise InventoryError([InventoryIssue((), message)])
        # the base is checked as the scenario's result: once, not twice
        base = load_inventory(read.base, validate=False)
        return apply_scenario(base, read.scenario, validate=validate), read.scenario.name
    return read, read.territory.name


def _template_format(out: Path, asked: str | None) -> str:
    if asked:
        return asked
    suffix = out.suffix.lower()
    return "xlsx" if suffix == ".xlsx" else "yaml" if suffix in (".yaml", ".yml") else "csv"


def run_template(args: argparse.Namespace) -> int:
    """``symbiose template [OUT] [--from INVENTORY]``: write the spreadsheet template.

    Empty of all but the example, or filled with ``--from`` (an inventory to edit and read
    back); as an Excel workbook, a CSV folder or YAML, from OUT's name or ``--format``.
    """
    from symbiose.inventory import InventoryError, dump_workbook, write_csv_folder
    from symbiose.inventory.io import dump_inventory

    out = Path(args.out)
    source = getattr(args, "source", None)
    fmt = _template_format(out, args.format)
    if out.exists() and not args.force:
        return fail(f"{out} exists (use --force to overwrite)")
    if source:
        try:
            inv, _ = load_any(source)  # an inventory, or a scenario applied to its base
        except InventoryError as exc:
            return report_issues(source, exc)
    elif fmt == "xlsx":
        _copy_shipped_template(out)
        print(
            f"wrote the inventory template to {out} (fill in the sheets; 'fields' explains each column)"
        )
        return ExitCode.OK
    else:
        inv = example_inventory()
    if fmt == "xlsx":
        out.write_bytes(dump_workbook(inv))
    elif fmt == "yaml":
        out.write_text(str(dump_inventory(inv, "yaml")), encoding="utf-8")
    else:
        write_csv_folder(inv, out)
    filled = f" filled with {source}" if source else ""
    print(f"wrote the inventory template to {out}{filled}")
    return ExitCode.OK


def _copy_shipped_template(out: Path) -> None:
    import shutil
    from importlib import resources

    with resources.as_file(resources.files("symbiose.templates") / TEMPLATE) as src:
        shutil.copyfile(src, out)


def example_inventory() -> Inventory:
    """The small example inventory the template is filled with."""
    from importlib import resources

    from symbiose.inventory.io import parse_inventory

    text = (resources.files("symbiose.templates") / "example.yaml").read_text(encoding="utf-8")
    return parse_inventory(text, "yaml")


def build_template() -> bytes:
    """The template workbook's bytes (what ships as ``symbiose/templates/inventory-template.xlsx``)."""
    from symbiose.inventory.io import dump_inventory

    data = dump_inventory(example_inventory(), "xlsx")
    assert isinstance(data, bytes)
    return data


def run_validate(args: argparse.Namespace) -> int:
    """``symbiose validate FILE``: every problem found, or a one-line all-clear."""
    from symbiose.inventory import InventoryError
    from symbiose.pipeline import check

    path = Path(args.inventory)
    try:
        inv, _ = load_any(path, validate=False)
        net = check(inv).network  # the one conversion
    except InventoryError as exc:
        return report_issues(path, exc)
    report_warnings(path, inv)
    sizes = net.problem.summary()
    print(
        f"{path}: OK — {len(inv.sites)} sites, {len(inv.supplies)} supplies, {len(inv.demands)}"
        f" demands, {len(inv.converters)} converters, {sizes['arcs']} links"
        f" ({net.candidates} generated candidates), {sizes['slices']} time slice(s)"
    )
    return ExitCode.OK


class _Unreadable(Exception):
    """A file of ``compare`` that cannot be read, with the problems found in it."""

    def __init__(self, where: str, error: InventoryError) -> None:
        super().__init__(where)
        self.where, self.error = where, error


def _compared_inventories(base_path: str, scenarios: list[str]) -> dict[str, Inventory]:
    """The base and each scenario applied to it, by label."""
    from symbiose.inventory import InventoryError, apply_scenario, load_inventory, load_scenario

    try:
        base = load_inventory(base_path, validate=False)  # optimise checks each inventory
    except InventoryError as exc:
        raise _Unreadable(base_path, exc) from None
    inventories: dict[str, Inventory] = {"base": base}
    for name in scenarios:
        try:
            scenario, _ = load_scenario(name)
        except InventoryError as exc:
            raise _Unreadable(name, exc) from None
        label = scenario.name if scenario.name not in inventories else Path(name).stem
        try:
            inventories[label] = apply_scenario(base, scenario)
        except InventoryError as exc:
            raise _Unreadable(name, exc) from None
    return inventories


def run_compare(args: argparse.Namespace) -> int:
    """``symbiose compare BASE SCENARIO...``: solve each, print and write the comparison."""
    from symbiose import exports
    from symbiose.compare import compare
    from symbiose.pipeline import optimise

    try:
        inventories = _compared_inventories(args.base, args.scenarios)
    except _Unreadable as problem:
        return report_issues(problem.where, problem.error)
    objective = objective_of(args, DEFAULT_OBJECTIVE)
    reports = {}
    for label, inv in inventories.items():
        with solve_progress(args.quiet) as progress:
            reports[label] = optimise(inv, objective, solve_options(args, progress))
        reports[label].name = label
    comparison = compare(reports)
    print(comparison.render_text())
    files = comparison.write_csv(args.out, exports.dialect_of(inventories["base"]))
    print(f"\nwrote {', '.join(str(f) for f in files)}")
    return ExitCode.OK


def run_pareto(args: argparse.Namespace) -> int:
    """``symbiose pareto FILE --points N``: the front as a table and a PNG."""
    from symbiose import exports
    from symbiose.front import pareto_front, plot_front
    from symbiose.inventory import InventoryError

    if args.points < 2:
        return fail("--points must be at least 2")
    try:
        inv, label = load_any(args.inventory)
    except InventoryError as exc:
        return report_issues(args.inventory, exc)
    with solve_progress(args.quiet) as progress:
        table, _ = pareto_front(inv, args.points, solve_options(args, progress))
    shown = table.copy()
    shown["valorisation_eur_per_yr"] = shown["valorisation_eur_per_yr"].map(
        lambda v: "-" if v is None or v != v else f"{v / 1e6:,.2f} M€"
    )
    shown["co2_avoided_t_per_yr"] = shown["co2_avoided_t_per_yr"].map(
        lambda v: "-" if v is None or v != v else f"{v / 1e3:,.1f} kt"
    )
    print(f"{label}: valorisation vs CO2 avoided, {len(table)} points")
    print(shown.to_string(index=False))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    exports.write_csv(exports.frame_rows(table), out / "pareto.csv", exports.dialect_of(inv))
    png = plot_front(table, out / "pareto.png", f"{label}: valorisation vs CO2 avoided")
    print(f"\nwrote {out / 'pareto.csv'} and {png}")
    return ExitCode.OK
