"""Domain errors shared by every app; interfaces turn them into 400 or 409 answers."""


class DomainError(Exception):
    """A rule of the domain refused the request; the message is shown to the user."""

    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Conflict(DomainError):
    """The request clashes with the current state (a second submit, say)."""

    status_code = 409
