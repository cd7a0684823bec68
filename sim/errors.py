"""Errors the command line shows as a message: user mistakes (exit code 2) and runs that could not finish (1)."""


class InputError(Exception):
    """Bad input from the user: a scenario file, a roster, an override or a CLI argument.

    The message names the file, the dotted key or the row, what was expected and what
    was found. It is shown as is, without a traceback.
    """

    exit_code = 2

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class RunFailed(Exception):
    """A run that could not finish for a reason outside the user's input: a worker process died, or a
    replication failed in one (the message carries the worker's traceback). The CLI shows it and exits 1.
    """

    exit_code = 1
