"""``python -m cli``: the ``symbiose`` command line without the installed script."""

from cli.main import main

raise SystemExit(main())
