"""``python -m symbiose.region generate|build ...``."""

from symbiose.region.cli import main

raise SystemExit(main())
