"""``symbiose region generate`` and ``symbiose region build``: the region builder's verbs.

``register(subparsers)`` adds the ``region`` verb to the ``symbiose`` command line; errors and
exit codes go through :func:`cli.exits.run_handler` like every other verb's.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from symbiose.region.tables import COEFFICIENTS_CSV, ESTABLISHMENTS


def register(sub: Any) -> None:
    """Add ``region generate`` and ``region build`` to the subparsers of a command line."""
    region = sub.add_parser("region", help="build a regional inventory from an establishments file")
    add_verbs(region)


def add_verbs(region: argparse.ArgumentParser) -> None:
    """Add ``generate`` and ``build`` under ``region``."""
    verbs = region.add_subparsers(title="region verbs", metavar="VERB")

    gen = verbs.add_parser(
        "generate", help="write a SYNTHETIC Hauts-de-France establishments file (SIRENE layout)"
    )
    gen.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    gen.add_argument(
        "--sites",
        type=int,
        default=ESTABLISHMENTS,
        help=f"establishments to generate (default {ESTABLISHMENTS:,}, the region's count)",
    )
    gen.add_argument("-o", "--out", required=True, help="CSV file to write")
    gen.set_defaults(handler=run_generate)

    build = verbs.add_parser(
        "build", help="establishments CSV + coefficient table -> inventory (YAML or JSON)"
    )
    build.add_argument("establishments", help="establishments CSV (SIRENE columns)")
    build.add_argument(
        "coefficients",
        nargs="?",
        default=str(COEFFICIENTS_CSV),
        help="coefficient table CSV (default: the one shipped with symbiose)",
    )
    build.add_argument(
        "-o", "--out", required=True, help="inventory file to write (.yaml or .json)"
    )
    build.add_argument(
        "--zones", help="commune-to-employment-zone CSV (INSEE ZE2020: CODGEO, LIBZE2020)"
    )
    build.add_argument(
        "--departments",
        help="keep only these departments, e.g. 02,59,60,62,80 (by codeCommuneEtablissement)",
    )
    build.set_defaults(handler=run_build)
    _add_registers(verbs)
    region.set_defaults(handler=lambda _args: _help(region))


def _add_registers(verbs: Any) -> None:
    """``region registers``: the inventory anchored on the public registers."""
    reg = verbs.add_parser(
        "registers",
        help="EUTL, IREP and Hotmaps files -> a regional inventory, every figure cited",
    )
    reg.add_argument(
        "files", nargs="+", help="register files (EUTL, IREP, Hotmaps CSV; recognised by header)"
    )
    reg.add_argument("-o", "--out", required=True, help="inventory file to write (.yaml or .json)")
    reg.add_argument(
        "--territory",
        choices=("hauts-de-france", "france"),
        default="hauts-de-france",
        help="keep the records inside Hauts-de-France (default) or metropolitan France",
    )
    reg.add_argument(
        "--overrides", help="overrides CSV (record,action,target,note) read on this build"
    )
    reg.add_argument(
        "--add", help="partial inventory YAML of what no register holds (hubs, storage), merged in"
    )
    reg.add_argument(
        "--establishments",
        help="SIRENE establishments CSV: the headcounts that let the coefficient table add what"
        " no register gives",
    )
    reg.add_argument(
        "--coefficients",
        default=str(COEFFICIENTS_CSV),
        help="coefficient table CSV (default: the one shipped with symbiose)",
    )
    reg.add_argument(
        "--report", help="folder for the build report (build-report.md, matches.csv, ...)"
    )
    reg.set_defaults(handler=run_registers)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def run_generate(args: argparse.Namespace) -> int:
    """``symbiose region generate``: write the synthetic establishments file."""
    from symbiose.region.generate import generate_establishments, write_establishments

    tick = time.perf_counter()
    frame = generate_establishments(args.sites, args.seed)
    path = write_establishments(frame, args.out, args.seed)
    print(
        f"wrote {len(frame):,} SYNTHETIC establishments (seed {args.seed}) to {path}"
        f" in {time.perf_counter() - tick:.2f} s"
    )
    return 0


def run_build(args: argparse.Namespace) -> int:
    """``symbiose region build``: write the inventory of an establishments file."""
    from symbiose.region.build import region_build

    tick = time.perf_counter()
    departments = tuple(d.strip() for d in args.departments.split(",")) if args.departments else ()
    built = region_build(
        args.establishments, args.coefficients, zones_csv=args.zones, departments=departments
    )
    doc = built.doc
    out = Path(args.out)
    write_document(doc, out)
    print(
        f"wrote {out}: {len(doc['sites']):,} sites, {len(doc['supplies']):,} supplies,"
        f" {len(doc['demands']):,} demands in {time.perf_counter() - tick:.2f} s"
    )
    for line in built.left_out():
        print(f"  left out: {line}")
    return 0


def run_registers(args: argparse.Namespace) -> int:
    """``symbiose region registers``: write the register-anchored inventory and its report."""
    from symbiose.region.anchored import build_from_registers
    from symbiose.region.anchored_report import (
        left_out_summary,
        match_summary,
        warning_lines,
        write_report,
    )

    tick = time.perf_counter()
    built = build_from_registers(
        args.files,
        territory=args.territory,
        overrides=args.overrides,
        additions=args.add,
        establishments=args.establishments,
        coefficients=args.coefficients,
    )
    out = Path(args.out)
    write_document(built.doc, out)
    c = built.counts
    print(
        f"wrote {out}: {c['sites']:,} sites ({c['register sites']:,} made of {c['kept']:,} register"
        f" records in the territory, of {c['records']:,} read), {c['supplies']:,} supplies,"
        f" {c['demands']:,} demands in {time.perf_counter() - tick:.2f} s"
    )
    print(f"  matching: {match_summary(built)}")
    print(f"  left out: {left_out_summary(built)}")
    print(f"  CO2 disagreements beyond the tolerance: {len(built.disagreements)}")
    for line in warning_lines(built):
        print(f"  warning: {line}")
    if args.report:
        written = write_report(built, args.report, out.name)
        print(f"  build report: {written[0]} (and {len(written) - 1} tables)")
    return 0


def write_document(doc: dict[str, Any], path: Path) -> None:
    """Write an inventory document as JSON (``.json``) or YAML (any other suffix)."""
    import yaml

    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        return
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml is ~10x faster
    with path.open("w", encoding="utf-8") as out:
        yaml.dump(doc, out, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
