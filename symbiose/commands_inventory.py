"""Command-line verbs of the inventory layer: ``template``, ``validate``, ``compare``, ``pareto``.

``symbiose.cli`` calls :func:`register` to add them, and :func:`solve_inventory` for
``symbiose solve`` on an inventory (or a scenario) file.  Every verb returns an exit code and
prints every problem of a bad inventory, with its field path, never a stack trace.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from models.result import Status
from models.solve import SolveOptions
from symbiose import exports
from symbiose.inventory import (
    Inventory,
    InventoryError,
    apply_scenario,
    dump_workbook,
    load_inventory,
    load_scenario,
    write_csv_folder,
)
from symbiose.inventory.io import (
    ScenarioFile,
    dump_inventory,
    load_inventory_or_scenario,
    parse_inventory,
)
from symbiose.planner_options import apply_to_inventory
from symbiose.report import Report

EXIT_OK, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_NO_SOLUTION = 0, 2, 3, 4
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
    _solve_options(p)
    p.add_argument("--out", default="comparison", help="folder for the CSV files")
    p.set_defaults(handler=run_compare)

    p = subparsers.add_parser("pareto", help="the EUR vs CO2 front, as a table and a PNG plot")
    p.add_argument("inventory", help="inventory or scenario file")
    p.add_argument("--points", type=int, default=5, help="points on the front (default 5)")
    _solve_options(p)
    p.add_argument("--out", default="pareto", help="folder for pareto.csv and pareto.png")
    p.set_defaults(handler=run_pareto)


def _solve_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve (default 60)")
    p.add_argument("--gap", type=float, default=1e-4, help="relative MIP gap (default 1e-4)")
    p.add_argument("--threads", type=int, help="HiGHS threads")


def _options(args: argparse.Namespace) -> SolveOptions:
    return SolveOptions(
        time_limit=getattr(args, "time_limit", 60.0),
        gap=getattr(args, "gap", 1e-4),
        threads=getattr(args, "threads", None),
    )


def _report_issues(where: str | Path, exc: InventoryError) -> int:
    n = len(exc.issues)
    print(f"{where}: {n} problem{'s' if n != 1 else ''}", file=sys.stderr)
    for issue in exc.issues:
        print(f"  {issue.path()}: {issue.msg}", file=sys.stderr)
    return EXIT_INPUT


def _report_warnings(where: str | Path, inv: Inventory) -> None:
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

    Without ``validate`` only the schema is checked (of the inventory, or of the scenario's
    result), for a caller that checks the meaning next with :func:`symbiose.pipeline.check`.
    """
    path = Path(path)
    if not path.exists():
        raise InventoryError([_issue(f"{path}: no such file or folder")])
    read = load_inventory_or_scenario(path, validate=validate)  # each file decoded once
    if isinstance(read, ScenarioFile):
        if read.base is None:
            raise InventoryError([_issue("the scenario names no base inventory ('base: ...')")])
        # the base is checked as the scenario's result: once, not twice
        base = load_inventory(read.base, validate=False)
        return apply_scenario(base, read.scenario, validate=validate), read.scenario.name
    return read, read.territory.name


def _issue(msg: str) -> Any:
    from symbiose.inventory import InventoryIssue

    return InventoryIssue((), msg)


def solve_inventory(path: str | Path, args: argparse.Namespace) -> int:
    """``symbiose solve`` on an inventory or scenario: solve, print the summary, write ``--out``."""
    from symbiose.pipeline import check, optimise

    try:
        inv, label = load_any(path, validate=False)
        inv = apply_to_inventory(inv, args)
        checked = check(inv)
    except InventoryError as exc:
        return _report_issues(path, exc)
    _report_warnings(path, inv)
    options = _options(args)
    line = None
    if not getattr(args, "quiet", True):
        from symbiose.cli import ProgressLine

        line = ProgressLine()
        options = SolveOptions(
            time_limit=options.time_limit,
            gap=options.gap,
            threads=options.threads,
            progress=line.update,
        )
    try:
        report = optimise(checked, getattr(args, "objective", None) or "valorisation", options)
    except InventoryError as exc:
        return _report_issues(path, exc)
    finally:
        if line is not None:
            line.close()
    report.name = label
    print(report.render_text())
    out = getattr(args, "out", None)
    if out and report.result.has_solution:
        files = report.write(out)
        print(f"\nwrote {len(files)} files to {out}")
    return _exit(report)


def _exit(report: Report) -> int:
    status = report.result.status
    if status in (Status.OPTIMAL, Status.TIME_LIMIT):
        return EXIT_OK
    if status is Status.INFEASIBLE:
        return EXIT_INFEASIBLE
    return EXIT_NO_SOLUTION


def run_template(args: argparse.Namespace) -> int:
    """``symbiose template [OUT] [--from INVENTORY]``: write the spreadsheet template.

    Empty of all but the example, or filled with ``--from`` (an inventory to edit and read
    back); as an Excel workbook, a CSV folder or YAML, from OUT's name or ``--format``.
    """
    out = Path(args.out)
    source = getattr(args, "source", None)
    fmt = args.format or (
        "xlsx"
        if out.suffix.lower() == ".xlsx"
        else "yaml"
        if out.suffix.lower() in (".yaml", ".yml")
        else "csv"
    )
    if out.exists() and not args.force:
        print(f"symbiose: error: {out} exists (use --force to overwrite)", file=sys.stderr)
        return EXIT_INPUT
    if source:
        try:
            inv, _ = load_any(source)  # an inventory, or a scenario applied to its base
        except InventoryError as exc:
            return _report_issues(source, exc)
    elif fmt == "xlsx":
        with resources.as_file(resources.files("symbiose.templates") / TEMPLATE) as src:
            shutil.copyfile(src, out)
        print(
            f"wrote the inventory template to {out} (fill in the sheets; 'fields' explains each column)"
        )
        return EXIT_OK
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
    return EXIT_OK


def example_inventory() -> Inventory:
    """The small example inventory the template is filled with."""
    text = (resources.files("symbiose.templates") / "example.yaml").read_text(encoding="utf-8")
    return parse_inventory(text, "yaml")


def build_template() -> bytes:
    """The template workbook's bytes (what ships as ``symbiose/templates/inventory-template.xlsx``)."""
    data = dump_inventory(example_inventory(), "xlsx")
    assert isinstance(data, bytes)
    return data


def run_validate(args: argparse.Namespace) -> int:
    """``symbiose validate FILE``: every problem found, or a one-line all-clear."""
    from symbiose.pipeline import check

    path = Path(args.inventory)
    try:
        inv, _ = load_any(path, validate=False)
        net = check(inv).network  # the one conversion
    except InventoryError as exc:
        return _report_issues(path, exc)
    _report_warnings(path, inv)
    sizes = net.problem.summary()
    print(
        f"{path}: OK — {len(inv.sites)} sites, {len(inv.supplies)} supplies, {len(inv.demands)}"
        f" demands, {len(inv.converters)} converters, {sizes['arcs']} links"
        f" ({net.candidates} generated candidates), {sizes['slices']} time slice(s)"
    )
    return EXIT_OK


def run_compare(args: argparse.Namespace) -> int:
    """``symbiose compare BASE SCENARIO...``: solve each, print and write the comparison."""
    from symbiose.compare import compare
    from symbiose.pipeline import optimise

    try:
        base = load_inventory(args.base, validate=False)  # optimise checks each inventory
    except InventoryError as exc:
        return _report_issues(args.base, exc)
    inventories: dict[str, Inventory] = {"base": base}
    for name in args.scenarios:
        try:
            scenario, _ = load_scenario(name)
            label = scenario.name if scenario.name not in inventories else Path(name).stem
            inventories[label] = apply_scenario(base, scenario)
        except InventoryError as exc:
            return _report_issues(name, exc)
    options = _options(args)
    reports = {}
    for label, inv in inventories.items():
        reports[label] = optimise(inv, "valorisation", options)
        reports[label].name = label
    comparison = compare(reports)
    print(comparison.render_text())
    files = comparison.write_csv(args.out, exports.dialect_of(base))
    print(f"\nwrote {', '.join(str(f) for f in files)}")
    return EXIT_OK


def run_pareto(args: argparse.Namespace) -> int:
    """``symbiose pareto FILE --points N``: the front as a table and a PNG."""
    from symbiose.front import pareto_front, plot_front

    if args.points < 2:
        print("symbiose: error: --points must be at least 2", file=sys.stderr)
        return EXIT_INPUT
    try:
        inv, label = load_any(args.inventory)
    except InventoryError as exc:
        return _report_issues(args.inventory, exc)
    table, _ = pareto_front(inv, args.points, _options(args))
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
    return EXIT_OK
