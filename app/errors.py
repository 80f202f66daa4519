"""The one base error: it carries its HTTP status and a stable code, so services can raise it without
knowing about HTTP and the API turns it into ``{"error": {...}}`` in one place."""

from __future__ import annotations


class AppError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        fields: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields
        self.headers = headers
        if status_code is not None:
            self.status_code = status_code
        if code is not None:
            self.code = code


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class Unauthorized(AppError):
    """One body for a missing, malformed, wrong, revoked or expired key: a caller learns nothing from it."""

    status_code = 401
    code = "unauthorized"

    def __init__(
        self,
        message: str = "需要有效的 API 密钥 a valid API key is required (Authorization: Bearer <key>)",
        *,
        code: str | None = None,
    ) -> None:
        super().__init__(message, code=code, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class TooManyRequests(AppError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message, headers={"Retry-After": str(int(retry_after))})


class Unavailable(AppError):
    """503: the database is down for now; send the request again after ``Retry-After`` seconds (a POST with
    its Idempotency-Key: a commit the outage cut off may still have landed)."""

    status_code = 503
    code = "database_unavailable"

    def __init__(
        self,
        message: str = "数据库暂时不可用,请稍后重试 the database is unavailable for now; retry later",
        *,
        retry_after: int = 5,
    ) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class FieldError(AppError):
    """A 422 about named fields, in the same shape as a validation error."""

    status_code = 422

    def __init__(self, field: str, message: str, *, code: str = "invalid_request") -> None:
        super().__init__(message, code=code, fields=[{"field": field, "problem": code, "message": message}])

    @classmethod
    def many(cls, problems: list[tuple[str, str]], *, code: str) -> FieldError:
        error = cls(problems[0][0], "; ".join(f"{f}: {m}" for f, m in problems), code=code)
        error.fields = [{"field": f, "problem": code, "message": m} for f, m in problems]
        return error
