"""`briefs`: the command line. Each command parses arguments and calls importable functions.

The commands are written by job (cli/review_commands.py, cli/model_commands.py,
cli/service_commands.py) on the one Typer app of cli/common.py; importing them here
registers them, in the order `briefs --help` lists them. Heavy libraries (the models,
the service, Dask) are imported inside the commands that need them, so that
`briefs check` does not pay for the web service.
"""

# isort: off  (the order of these imports is the order of `briefs --help`)
from cli import (
    model_commands,  # noqa: F401
    review_commands,  # noqa: F401  (importing registers the commands)
    service_commands,  # noqa: F401
)

# isort: on
from cli.common import app

__all__ = ["app"]

if __name__ == "__main__":  # pragma: no cover
    app()
