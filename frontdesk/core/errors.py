"""Domain errors. Their messages are lazy translatable strings; views show them on the form
(field given) or as a flash."""


class DomainError(Exception):
    def __init__(self, message, field=None, **params):
        super().__init__(message)
        self.message = message
        self.field = field
        self.params = params

    def __str__(self):
        text = str(self.message)
        return text % self.params if self.params else text


class NotAllowed(DomainError):
    """The actor may not do this (role, ownership, four-eyes rule)."""


class InvalidTransition(DomainError):
    """The object is not in a state that allows this (already paid, already voided, day closed)."""


class ValidationFailed(DomainError):
    """The input breaks a business rule."""


class ImportRejected(DomainError):
    """An import file was rejected as a whole; `problems` lists "row N: what is wrong"."""

    def __init__(self, message, problems):
        super().__init__(message)
        self.problems = problems
