"""The ``symbiose`` command line: the top floor of the project.

It sits above ``api`` (``serve`` and ``keys`` start and manage the service), ``symbiose`` and
``models``; nothing below imports it.  One module per group of verbs, each imported by name in
:mod:`cli.main`:

- :mod:`cli.solve`: ``solve`` (an inventory, a scenario, a numeric problem, a benchmark file);
- :mod:`cli.inventory`: ``template``, ``validate``, ``compare``, ``pareto``;
- :mod:`cli.sweep`: ``sweep``;
- :mod:`cli.bench`: ``bench`` (the instance harness, and ``bench startup``);
- :mod:`cli.service`: ``keys create|list|revoke`` and ``serve``.

Shared by the verbs: :mod:`cli.exits` (the exit-code table and the mapping of errors to
codes), :mod:`cli.options` (the one solve-option parser and the one ``SolveOptions``
construction), :mod:`cli.planner` (the planner's questions written into a territory) and
:mod:`cli.progress` (Rich progress and tables).

A new group of verbs is one module and one line: write ``cli/<group>.py`` with a
``register(subparsers)`` that adds its parsers and sets ``handler`` (a function of the parsed
arguments returning an exit code), import pandas, Pyomo and the like only inside the handlers,
and add the module to ``VERB_GROUPS`` in :mod:`cli.main`.
"""
