"""The one exception type domain rules raise."""


class DomainError(ValueError):
    """A rule was broken. `message` is user-facing Bahasa Indonesia; `field` names the form field, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class StaleError(DomainError):
    """Someone else changed the record since this form was read."""


class BlockedError(DomainError):
    """An action is refused for several reasons at once (e.g. the completeness gate)."""

    def __init__(self, message: str, problems: list[str]):
        super().__init__(message)
        self.problems = problems
