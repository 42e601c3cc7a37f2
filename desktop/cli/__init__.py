"""The ``parley`` program's commands, one module each (the registry is ``desktop/subcommands.py``)."""
