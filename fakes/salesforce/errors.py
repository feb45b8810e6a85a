"""Salesforce errors: REST error arrays, OAuth token errors and SOAP login faults."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from fakes.core.errors import FakeError

STATUS_DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("JSON_PARSER_ERROR", "The request body could not be parsed."),
    401: ("INVALID_SESSION_ID", "Session expired or invalid"),
    403: ("INSUFFICIENT_ACCESS", "insufficient access rights on object id"),
    404: ("NOT_FOUND", "The requested resource does not exist"),
    405: ("METHOD_NOT_ALLOWED", "HTTP Method not allowed for this resource"),
    409: ("CONFLICT", "The request could not be completed due to a conflict with the current state of the resource."),
    415: ("UNSUPPORTED_MEDIA_TYPE", "Content type not supported"),
    429: ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
    500: ("UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId if you contact support."),
    503: ("SERVER_UNAVAILABLE", "Server temporarily unavailable."),
}


class SalesforceError(FakeError):
    """REST error: a JSON array `[{"message","errorCode","fields"}]`."""

    def __init__(self, status: int, error_code: str | None = None, message: str | None = None,
                 fields: list[str] | None = None, headers: dict[str, str] | None = None) -> None:
        default_code, default_message = STATUS_DEFAULTS.get(status, STATUS_DEFAULTS[500])
        super().__init__(message or default_message, status, headers)
        self.error_code = error_code or default_code
        self.fields = fields

    def body(self) -> list[dict[str, Any]]:
        item: dict[str, Any] = {"message": self.message, "errorCode": self.error_code}
        if self.fields is not None:
            item["fields"] = self.fields
        return [item]


class OAuthError(FakeError):
    """`POST /services/oauth2/token` errors: `{"error","error_description"}`, status 400 (401 for a bad client)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description, status)
        self.error = error

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.message}


class SoapFault(FakeError):
    """SOAP login fault, parsed by simple-salesforce through `sf:exceptionCode` / `sf:exceptionMessage`."""

    mimetype = "text/xml"

    def __init__(self, exception_code: str = "INVALID_LOGIN",
                 message: str = "Invalid username, password, security token; or user locked out.",
                 status: int = 500) -> None:
        super().__init__(message, status)
        self.exception_code = exception_code

    def body(self) -> str:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:sf="urn:fault.partner.soap.sforce.com" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<soapenv:Body><soapenv:Fault>"
            f"<faultcode>sf:{escape(self.exception_code)}</faultcode>"
            f"<faultstring>{escape(self.exception_code)}: {escape(self.message)}</faultstring>"
            '<detail><sf:LoginFault xsi:type="sf:LoginFault">'
            f"<sf:exceptionCode>{escape(self.exception_code)}</sf:exceptionCode>"
            f"<sf:exceptionMessage>{escape(self.message)}</sf:exceptionMessage>"
            "</sf:LoginFault></detail>"
            "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
        )


def invalid_session() -> SalesforceError:
    return SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid")


def not_found(message: str = "The requested resource does not exist") -> SalesforceError:
    return SalesforceError(404, "NOT_FOUND", message)
