"""The ``breathcue`` subcommands, one module per command group.

Each module has ``add(subparsers)``, which declares its commands and sets
``func`` to the function that runs one; that function returns the exit
status or raises.  Errors become one-line messages in one place only,
``cli.main``.  docs/cli.md documents every command.
"""
