class ParseError(ValueError):
    """The input is not a record; ``reason`` says why in one line a user can read."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
