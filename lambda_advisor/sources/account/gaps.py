"""What went wrong, in one line: the reason a call failed, and whether the credentials are the cause."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambda_advisor.sources.account.options import AuditOptions

CREDENTIAL_CODES = {
    "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
    "SignatureDoesNotMatch", "InvalidAccessKeyId", "AuthFailure", "RequestExpired",
}
NOT_FOUND_CODES = {"ResourceNotFoundException", "NotFoundException", "NoSuchEntity", "AWS.SimpleQueueService.NonExistentQueue",
                    "QueueDoesNotExist", "ResourceNotFound"}


def botocore_errors() -> Any:
    import botocore.exceptions

    return botocore.exceptions


def is_credentials_error(exc: BaseException) -> bool:
    errors = botocore_errors()
    if isinstance(exc, (errors.NoCredentialsError, errors.PartialCredentialsError,
                        errors.ProfileNotFound, errors.CredentialRetrievalError)):
        return True
    for name in ("TokenRetrievalError", "SSOTokenLoadError", "UnauthorizedSSOTokenError", "SSOError"):
        cls = getattr(errors, name, None)
        if cls is not None and isinstance(exc, cls):
            return True
    return isinstance(exc, errors.ClientError) and error_code(exc) in CREDENTIAL_CODES


def error_code(exc: Any) -> str:
    return str(exc.response.get("Error", {}).get("Code", "")) if hasattr(exc, "response") else type(exc).__name__


def describe_error(exc: BaseException) -> str:
    """A short reason for a gap: the error code and AWS's message, or the network failure."""
    errors = botocore_errors()
    if isinstance(exc, errors.ClientError):
        err = exc.response.get("Error", {})
        code, msg = err.get("Code", "Error"), err.get("Message") or ""
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        out = f"{code}" + (f" (HTTP {status})" if status else "") + (f": {msg}" if msg else "")
        if code in {"TooManyRequestsException", "Throttling", "ThrottlingException", "RequestLimitExceeded"}:
            out += " — throttled past retries"
        return out[:300]
    if isinstance(exc, errors.EndpointConnectionError):
        return f"endpoint unreachable: {exc}"
    if isinstance(exc, (errors.ConnectTimeoutError, errors.ReadTimeoutError)):
        return f"timeout: {exc}"
    return f"{type(exc).__name__}: {exc}"[:300]


def credentials_message(exc: BaseException, options: AuditOptions) -> str:
    who = f"profile {options.profile!r}" if options.profile else "the default credential chain"
    errors = botocore_errors()
    if isinstance(exc, errors.ProfileNotFound):
        return f"AWS profile {options.profile!r} not found in ~/.aws/config or ~/.aws/credentials"
    if isinstance(exc, errors.NoCredentialsError):
        return (f"no AWS credentials found ({who}); set AWS_PROFILE, pass --profile, "
                "or log in with `aws sso login`")
    if isinstance(exc, errors.ClientError) and error_code(exc) in {"ExpiredToken", "ExpiredTokenException", "RequestExpired"}:
        return f"AWS credentials from {who} have expired; refresh them (for example `aws sso login`) and retry"
    return f"AWS credentials from {who} were refused: {describe_error(exc)}"
