from ninja import Schema


class ErrorItem(Schema):
    field: str
    message: str


class Error(Schema):
    """The error contract of every API response that is not a success."""

    detail: str
    code: str
    errors: list[ErrorItem] | None = None
