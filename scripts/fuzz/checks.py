"""Roster's own check for schemathesis: every error answer has the one error shape."""

import schemathesis


@schemathesis.check
def one_error_shape(ctx, response, case):
    """Any 4xx/5xx from /api must be `{"code": str, "message": str, "fields"?: [...]}`."""
    if response.status_code < 400 or not case.path.startswith("/api"):
        return None
    try:
        body = response.json()
    except Exception as error:  # noqa: BLE001 - any non-JSON answer is the finding
        raise AssertionError(f"error answer is not JSON: {error}") from None
    if not isinstance(body, dict):
        raise AssertionError("error answer is not a JSON object")
    if not isinstance(body.get("code"), str) or not body["code"]:
        raise AssertionError("error answer has no `code`")
    if not isinstance(body.get("message"), str) or not body["message"]:
        raise AssertionError("error answer has no `message`")
    fields = body.get("fields", [])
    if not isinstance(fields, list) or any(
        not isinstance(f, dict) or not isinstance(f.get("field"), str) or not isinstance(f.get("message"), str)
        for f in fields
    ):
        raise AssertionError("error answer has malformed `fields`")
    lowered = body["message"].lower()
    for leak in ("sqlx", "panicked", "stack backtrace", "sqlite", "postgres", "syntax error at"):
        if leak in lowered:
            raise AssertionError(f"error message leaks internals: {body['message']!r}")
    return None
