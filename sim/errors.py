"""The one exception type for user mistakes: the CLI prints it and exits with code 2."""


class InputError(Exception):
    """Bad input from the user: a scenario file, a roster, an override or a CLI argument.

    The message names the file, the dotted key or the row, what was expected and what
    was found. It is shown as is, without a traceback.
    """

    exit_code = 2

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)
