"""``python -m api serve|keys create``: the service's verbs without the rest of the CLI."""

from __future__ import annotations

import argparse
import sys

from api.commands import register


def main(argv: list[str] | None = None) -> int:
    """Parse and run one verb; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m api", description="ToileMaker web service.")
    register(parser.add_subparsers(title="verbs", metavar="VERB"))
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except (ValueError, OSError) as exc:
        print(f"symbiose: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
