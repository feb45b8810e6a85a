"""Salesforce errors: REST error arrays, OAuth token errors, SOAP login faults, SOQL refusals, control errors.

Every error the fake answers with is made here, so this module is also the catalogue of the codes it uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol
from xml.sax.saxutils import escape

from omni_harness.fakes.core.errors import ControlError, FakeError

from .config import SOQL
from .views.bayeux import reply

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


# -- REST ------------------------------------------------------------------------------------------------

def for_status(status: int, message: str | None = None) -> SalesforceError:
    """The platform's generic error for an HTTP status (an unknown path, a method not allowed, an injected fault)."""
    return SalesforceError(status, message=message)


def invalid_session() -> SalesforceError:
    return SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid")


def not_found(message: str = "The requested resource does not exist") -> SalesforceError:
    return SalesforceError(404, "NOT_FOUND", message)


def no_external_id(value: str) -> SalesforceError:
    return not_found(f"Provided external ID field does not exist or is not accessible: {value}")


def json_parser_error(message: str) -> SalesforceError:
    return SalesforceError(400, "JSON_PARSER_ERROR", message)


def empty_body() -> SalesforceError:
    return json_parser_error("No content to map due to end-of-input at [line:1, column:0]")


def unparsable_body(text: str, line: int, column: int) -> SalesforceError:
    char = text.strip()[:1]
    return json_parser_error(f"Unexpected character ('{char}' (code {ord(char) if char else 0})): expected a valid "
                             f"value (number, String, array, object, 'true', 'false' or 'null') at "
                             f"[line:{line}, column:{column}]")


def non_standard_token(text: str, token: str) -> SalesforceError:
    """`NaN` / `Infinity` as a bare JSON token: the platform's parser (Jackson) refuses non-numeric numbers."""
    pos = max(text.find(token), 0)
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return json_parser_error(f"Non-standard token '{token}': enable JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS "
                             f"to allow at [line:{line}, column:{column}]")


def parser_error(type_name: str, value: Any) -> SalesforceError:
    """A field value of the wrong JSON type, worded as the platform's JSON deserializer words it."""
    kind = {str: "VALUE_STRING", bool: "VALUE_" + str(value).upper(), int: "VALUE_NUMBER_INT",
            float: "VALUE_NUMBER_FLOAT", list: "START_ARRAY", dict: "START_OBJECT"}.get(type(value), "VALUE_STRING")
    shown = value if not isinstance(value, (list, dict)) else ("[" if isinstance(value, list) else "{")
    return json_parser_error(f"Cannot deserialize instance of {type_name} from {kind} value {shown} "
                             f"or request may be missing a required field at [line:1, column:1]")


def required_missing(name: str) -> SalesforceError:
    return SalesforceError(400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{name}]", [name])


def no_such_column(name: str, entity: str) -> SalesforceError:
    return SalesforceError(400, "INVALID_FIELD",
                           f"No such column '{name}' on entity '{entity}'. If you are attempting to use a custom "
                           f"field, be sure to append the '__c' after the custom field name. Please reference your "
                           f"WSDL or the describe call for the appropriate names.")


def not_supported(operation: str, label: str) -> SalesforceError:
    """An object without the create / update / delete call. inferred code and message."""
    return SalesforceError(400, "INVALID_TYPE_FOR_OPERATION", f"entity type cannot be {operation}: {label}")


def invalid_query_locator() -> SalesforceError:
    return SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")


def push_topic_query() -> SalesforceError:
    # inferred message; the Streaming guide says the SELECT list must include Id and no aggregates
    return SalesforceError(400, "INVALID_FIELD", "The SELECT statement of a PushTopic query must include "
                           "the Id field and no aggregate functions.", ["Query"])


def unknown_toolkit_method(method: str) -> SalesforceError:
    return not_found(f"The toolkit method {method} does not exist")


def toolkit_body() -> SalesforceError:
    return json_parser_error("The body must be a JSON object of the toolkit method's arguments")


def request_limit_exceeded(used: int, limit: int) -> SalesforceError:
    """The daily API request allocation is spent (REST API guide, status codes: 403 REQUEST_LIMIT_EXCEEDED)."""
    return SalesforceError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.",
                           headers={"Sforce-Limit-Info": f"api-usage={used}/{limit}"})


def insufficient_access_or_readonly(status: int = 400) -> SalesforceError:
    """A record the session's user may not change (record-level sharing), refused as a save error."""
    return SalesforceError(status, "INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id", [])


def insufficient_access(message: str) -> SalesforceError:
    return SalesforceError(403, "INSUFFICIENT_ACCESS", message)


# -- Omni-Channel ------------------------------------------------------------------------------------------

def refuse(message: str, code: str = "INVALID_OPERATION") -> SalesforceError:
    """A console (toolkit) refusal: 400 with a Salesforce error array."""
    return SalesforceError(400, code, message)


def malformed_id(arg: str, value: Any) -> SalesforceError:
    return refuse(f"{arg}: id value of incorrect type: {value}", "MALFORMED_ID")


def integrity(message: str, fields: list[str] | None = None) -> SalesforceError:
    # inferred: the exact messages of these AgentWork / routing refusals are not documented.
    return SalesforceError(400, "FIELD_INTEGRITY_EXCEPTION", message, fields)


def duplicate_routing(existing_id: str) -> SalesforceError:
    return SalesforceError(400, "DUPLICATE_VALUE", "duplicate value found: WorkItemId duplicates value on "
                           f"record with id: {existing_id}", ["WorkItemId"])


def agent_work_not_deletable(status: str) -> SalesforceError:
    # inferred code and message; the object reference only says which statuses may be deleted
    return SalesforceError(400, "DELETE_FAILED", "You can delete an AgentWork only when its status is Closed, "
                           f"Declined or Unavailable; this one is {status}.")


# -- SOQL --------------------------------------------------------------------------------------------------

class SoqlError(Exception):
    """A query the platform refuses; `message` is the platform's full text (caret block included)."""

    def __init__(self, error_code: str, message: str, detail: str | None = None, row: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message
        self.detail = detail or message
        self.row = row
        self.column = column


class _Span(Protocol):
    """A token's place in the query text."""

    @property
    def pos(self) -> int: ...

    @property
    def end(self) -> int: ...


def query_refused(exc: SoqlError) -> SalesforceError:
    """The REST answer for a refused query: 400 with the Salesforce error array."""
    return SalesforceError(400, exc.error_code, exc.message)


def row_col(text: str, pos: int) -> tuple[int, int]:
    row = text.count("\n", 0, pos) + 1
    line_start = text.rfind("\n", 0, pos) + 1
    return row, pos - line_start + 1


def positioned_error(code: str, text: str, pos: int, detail: str, tokens: Iterable[_Span] = ()) -> SoqlError:
    """The platform's error text: the query around `pos`, a caret under it, `ERROR at Row:R:Column:C`, the detail."""
    row, col = row_col(text, pos)
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    if line_end < 0:
        line_end = len(text)
    start = max(line_start, pos - SOQL.window_chars)
    end = min(line_end, pos + SOQL.window_chars)
    for tok in tokens:  # widen to whole tokens
        if tok.pos < start < tok.end:
            start = tok.pos
        if tok.pos < end < tok.end:
            end = tok.end
    window = text[start:end]
    caret = " " * (pos - start) + "^"
    message = f"\n{window}\n{caret}\nERROR at Row:{row}:Column:{col}\n{detail}"
    return SoqlError(code, message, detail, row, col)


class _Token(_Span, Protocol):
    @property
    def text(self) -> str: ...


def unexpected_token(text: str, tokens: Iterable[_Span], tok: _Token) -> SoqlError:
    return syntax_error(text, tokens, tok.pos, f"unexpected token: '{tok.text}'")


def invalid_field(text: str, tokens: Iterable[_Span], pos: int, detail: str) -> SoqlError:
    return positioned_error("INVALID_FIELD", text, pos, detail, tokens)


def filter_error(text: str, tokens: Iterable[_Span], pos: int, detail: str) -> SoqlError:
    """A WHERE condition the platform refuses (its code depends on the org's release, `SOQL.filter_error_code`)."""
    return positioned_error(SOQL.filter_error_code, text, pos, detail, tokens)


def syntax_error(text: str, tokens: Iterable[_Span], pos: int, detail: str, line_prefix: bool = False) -> SoqlError:
    if line_prefix:
        # the lexer's own form: "line 1:15 unexpected token: '$'"
        row, col = row_col(text, pos)
        detail = f"line {row}:{col - 1} {detail}"
    if not SOQL.syntax_errors_positioned:
        return SoqlError("MALFORMED_QUERY", detail)
    return positioned_error("MALFORMED_QUERY", text, pos, detail, tokens)


# -- the control API (customer actions, mint_token, streaming drops) --------------------------------------

def control_bad_request(message: str) -> ControlError:
    return ControlError(message)


def control_not_found(message: str) -> ControlError:
    return ControlError(message, status=404, error="not_found")


def control_conflict(message: str) -> ControlError:
    return ControlError(message, status=409, error="conflict")


# -- the Streaming API (Bayeux replies that fail) ----------------------------------------------------------

# Error texts of the Streaming API (Streaming API guide, "Streaming API Error Codes" and "Handling Errors";
# reference §8.1 and §10).
UNKNOWN_CLIENT = "403::Unknown client"
HANDSHAKE_DENIED = "403::Handshake denied"
AUTH_INVALID = "401::Authentication invalid"
AUTH_REQUIRED = "401::Request requires authentication"
USER_MISMATCH = "400::Authenticated user id does not match the session's user id"
CHANNEL_MISSING = "400::Channel name not specified"
CHANNEL_NO_SLASH = "400::Channel subscriptions must start with a leading '/'"
CHANNEL_UNKNOWN = "400::The channel you requested to subscribe to does not exist {{{channel}}}"
CONNECTION_TYPE = "400::Invalid connection type {{{connection_type}}}"
REPLAY_INVALID = ("400::The replayId {{{replay_id}}} you provided was invalid.  Please provide a valid ID, -2 to "
                  "replay all events, or -1 to replay only new events.")
VERSION_MISSING = "400::API version in the URI is mandatory. URI format: '/cometd/{current}'"
VERSION_UNSUPPORTED = ("400::Unsupported API version. Only API versions '{minimum}' and later are supported. "
                       "URI format: '/cometd/{current}'")
# inferred: the platform's texts for these are not documented.
INVALID_MESSAGE = "400::Invalid message"
PUBLISH_DENIED = "403:denied_by_security_policy:publish_denied"
# inferred: the platform's answer to an oversized body is not documented beyond its status and reason.
TOO_LARGE = "413::Maximum Request Size Exceeded"


def unknown_client(message: dict[str, Any], **echo: Any) -> dict[str, Any]:
    """The reply to a client the server forgot: handshake again."""
    return reply(message, error=UNKNOWN_CLIENT, advice={"interval": 0, "reconnect": "handshake"}, **echo)
