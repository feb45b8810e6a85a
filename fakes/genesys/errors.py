"""Genesys Cloud errors: typed exceptions rendering the platform's ErrorBody with the request's correlation id.

Every error the fake answers with is made here, so this module is also the catalogue of the error codes it uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from omni_harness.fakes.core.errors import FakeError

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

    from .config import ErrorSpec

# Generic messages per status (2018 swagger / reference §7).
STATUS_DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("bad.request", "The request could not be understood by the server due to malformed syntax."),
    401: ("authentication.required", "No authentication bearer token specified in authorization header."),
    403: ("missing.permissions", "Unable to perform the requested action. You are missing the following permission(s): "),
    404: ("not.found", "The requested resource was not found."),
    405: ("method.not.allowed", "HTTP method not allowed for this resource."),
    409: ("conflict", "The request conflicts with the current state of the resource."),
    413: ("request.entity.too.large", "The request is over the size limit."),
    415: ("unsupported.media.type", "Unsupported Media Type - Unsupported or incorrect media type, such as an incorrect Content-Type value in the header."),
    429: ("too.many.requests", "Rate limit exceeded the maximum [300] requests within [60] seconds"),
    500: ("internal.server.error", "The server encountered an unexpected condition which prevented it from fulfilling the request."),
    503: ("service.unavailable", "Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance)."),
    504: ("request.timeout", "The request timed out."),
}


class GenesysError(FakeError):
    """`{"message","code","status","messageParams","contextId","details","errors"}` as the Platform API sends it."""

    def __init__(self, status: int, code: str | None = None, message: str | None = None,
                 message_params: dict[str, str] | None = None, details: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None, entity_id: str | None = None,
                 message_with_params: str | None = None) -> None:
        default_code, default_message = STATUS_DEFAULTS.get(status, STATUS_DEFAULTS[500])
        super().__init__(message or default_message, status, headers)
        self.code = code or default_code
        self.message_with_params = message_with_params
        self.message_params = message_params or {}
        self.details = details or []
        self.entity_id = entity_id

    def body(self) -> dict[str, Any]:
        # Imported here, where an error is rendered, so the model that raises these errors loads no HTTP framework.
        from flask import g, has_request_context

        # The socket listener sets no correlation id: its errors carry an empty contextId.
        context_id = g.get("correlation_id", "") if has_request_context() else ""
        out: dict[str, Any] = {
            "message": self.message,
            "code": self.code,
            "status": self.status,
            "messageParams": self.message_params,
            "contextId": context_id,
            "details": self.details,
            "errors": [],
        }
        if self.message_with_params:
            out["messageWithParams"] = self.message_with_params
        if self.entity_id:
            out["entityId"] = self.entity_id
        return out


class OAuthError(FakeError):
    """Errors of `POST /oauth/token`: `{"error","error_description"}`."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description, status)
        self.error = error

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.message}


# -- generic -----------------------------------------------------------------------------------------
def for_status(status: int, message: str | None = None) -> GenesysError:
    """The platform's generic error for an HTTP status (an unknown path, a fault rule, an unexpected failure)."""
    return GenesysError(status, message=message)


def bad_request(message: str, code: str = "bad.request", **kw: Any) -> GenesysError:
    return GenesysError(400, code, message, **kw)


def not_found(message: str = "The requested resource was not found.", code: str = "not.found") -> GenesysError:
    return GenesysError(404, code, message)


def invalid_value(field: str, value: Any, field_type: str, allowed: list[str]) -> GenesysError:
    """`invalid.value`: "Value [%s] is not valid for field type [%s]. Allowable values are: %s"."""
    return GenesysError(
        400, "invalid.value",
        f"Value [{value}] is not valid for field type [{field_type}]. Allowable values are: {', '.join(allowed)}",
        message_params={"value": str(value), "fieldType": field_type, "allowableValues": ", ".join(allowed)},
        details=[{"fieldName": field}],
    )


def configured(spec: ErrorSpec) -> GenesysError:
    """An error whose status, code and message are a setting (`GenesysConfig`), the platform's being unknown."""
    return GenesysError(spec.status, spec.code, spec.message)


MALFORMED = "The request could not be understood by the server due to malformed syntax."
JSON_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean",
              "object": "object", "array": "array", "null": "null"}


def malformed() -> GenesysError:
    return bad_request(MALFORMED)


def _field(error: ValidationError, extra: str | None = None) -> str:
    parts = [str(p) for p in error.absolute_path]
    if extra:
        parts.append(extra)
    return ".".join(parts) or "body"


def invalid_body(error: ValidationError) -> GenesysError:
    """A request body that does not fit its schema: `invalid.value` for a value outside an enum, the operation's
    documented code for a missing field (the schema's `x-missing` annotation), `bad.request` otherwise."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "enum":
        field_type = schema.get("x-field-type") or (str(error.absolute_path[-1]) if error.absolute_path else "value")
        return invalid_value(_field(error), error.instance, field_type, [str(v) for v in error.validator_value])
    if error.validator == "required":
        missing = next((name for name in error.validator_value
                        if isinstance(error.instance, dict) and name not in error.instance), "")
        special = (schema.get("x-missing") or {}).get(missing)
        if special:
            return GenesysError(400, special["code"], special["message"])
        # inferred: the platform's validation message for a missing field
        return bad_request(f"{_field(error, missing)} may not be null",
                           details=[{"errorCode": "field.required", "fieldName": _field(error, missing)}])
    if error.validator in ("minLength", "maxLength") and schema.get("x-invalid-value"):
        # inferred: a length the platform documents ("must be longer than 15 characters", "2000 characters")
        # is refused as an invalid value; the value itself is not echoed (it may be a secret)
        limit = error.validator_value
        rule = f"longer than {limit - 1}" if error.validator == "minLength" else f"at most {limit}"
        return GenesysError(400, "invalid.value", f"The value of field [{_field(error)}] must be {rule} characters.",
                            details=[{"errorCode": "field.invalid", "fieldName": _field(error)}])
    if error.validator == "type":
        wanted = error.validator_value
        wanted = " or ".join(wanted) if isinstance(wanted, list) else JSON_TYPES.get(wanted, wanted)
        return bad_request(f"Unable to read the value of field [{_field(error)}]: expected {wanted}.",
                           details=[{"errorCode": "field.type", "fieldName": _field(error)}])
    return bad_request(f"Invalid value for field [{_field(error)}]: {error.message}",
                       details=[{"errorCode": "field.invalid", "fieldName": _field(error)}])


def not_an_integer(name: str, raw: str) -> GenesysError:
    return bad_request(f"Value [{raw}] is not valid for field [{name}]: expected an integer.")


def out_of_range(name: str, minimum: int, maximum: int | None) -> GenesysError:
    # inferred: the message for an out-of-range page parameter
    return bad_request(f"The value of {name} must be between {minimum} and {maximum or 'unbounded'}.")


# -- OAuth and tokens --------------------------------------------------------------------------------
def invalid_client() -> OAuthError:
    return OAuthError("invalid_client", "client authentication failed", 401)


def grant_type_required() -> OAuthError:
    return OAuthError("invalid_request", "grant_type is required")


def unsupported_grant_type(grant: str) -> OAuthError:
    return OAuthError("unsupported_grant_type", f"grant type {grant} is not supported")


def authentication_required() -> GenesysError:
    return GenesysError(401, "authentication.required",
                        "No authentication bearer token specified in authorization header.")


def bad_credentials() -> GenesysError:
    return GenesysError(401, "bad.credentials", "Invalid login credentials.")


def not_a_user() -> GenesysError:
    return GenesysError(400, "not.a.user", "This request requires a user context. Client credentials cannot be used "
                                           "for requests to this resource.")


# -- permissions -------------------------------------------------------------------------------------
MISSING_PERMISSIONS = "Unable to perform the requested action. You are missing the following permission(s): "
MISSING_ANY_PERMISSIONS = ("Unable to perform the requested action. You must have at least one of the following "
                           "permissions assigned: ")


def missing_permissions(permissions: tuple[str, ...], any_of: bool = False) -> GenesysError:
    """403 `missing.permissions` (every permission listed is needed) or `missing.any.permissions` (one of them
    would do), with the platform's message texts. inferred: the permissions are rendered as `[a, b]` and named by
    the `permissions` parameter of `messageWithParams`."""
    listed = f"[{', '.join(permissions)}]"
    code, text = ("missing.any.permissions", MISSING_ANY_PERMISSIONS) if any_of else \
        ("missing.permissions", MISSING_PERMISSIONS)
    return GenesysError(403, code, text + listed, message_params={"permissions": listed},
                        message_with_params=text + "{permissions}")


# -- users, presence, routing ------------------------------------------------------------------------
def resource_not_found() -> GenesysError:
    """Unknown queue or wrap-up code."""
    return not_found(code="resource.not.found")


def presence_definition_not_found(definition_id: str) -> GenesysError:
    return bad_request(f"The presence definition {definition_id} does not exist.",
                       code="presence.definition.not.found")  # inferred: code


def routing_status_transition() -> GenesysError:
    return GenesysError(400, "general.bad.request", "An invalid routing status transition was attempted.")


def queue_name_taken(name: str) -> GenesysError:
    return GenesysError(400, "general.bad.request", f"A queue named {name} already exists.")


def unknown_member(user_id: str) -> GenesysError:
    return bad_request(f"The user {user_id} does not exist.", code="invalid.value")


# -- conversations -----------------------------------------------------------------------------------
def conversation_not_found() -> GenesysError:
    return GenesysError(404, "conversation.error.conversation.not.found", "The conversation does not exist.")


def participant_not_found() -> GenesysError:
    # inferred: the code of an unknown participant id
    return GenesysError(404, "conversation.error.participant.not.found", "The participant does not exist.")


def communication_not_found() -> GenesysError:
    # inferred: the code of an unknown communication id
    return GenesysError(404, "conversation.error.communication.not.found", "The communication does not exist.")


def not_active_participant() -> GenesysError:
    return GenesysError(403, "conversation.error.forbidden.not.active.participant",
                        "The user is not an active participant of this conversation.")


def create_field_required(media_prefix: str, field_name: str) -> GenesysError:
    """`queueId` / `provider` missing from a create request (`chat.error.notnull.createconversationrequest.queueid`)."""
    label = {"queueid": "queueId", "provider": "provider"}[field_name]
    return bad_request(f"The {label} field is required.",
                       code=f"{media_prefix}.error.notnull.createconversationrequest.{field_name}")


def create_queue_not_found(media_prefix: str) -> GenesysError:
    return bad_request("The queue does not exist.", code=f"{media_prefix}.error.queue.not.found")


def conversation_state_not_settable() -> GenesysError:
    # inferred: disconnecting is the only change a client can make to a whole chat
    return bad_request("Only the state disconnected can be set on a conversation.")


def no_active_conversation(action: str) -> GenesysError:
    """`action`: "connect" or "disconnect"."""
    return GenesysError(400, "conversation.error.participant.no.active.conversations",
                        f"The participant has no active conversation to {action}.")


def participant_state_not_settable(state: str) -> GenesysError:
    # inferred: only answer and disconnect are state changes a client may ask for on chat media
    return bad_request(f"The participant state cannot be changed to {state}.")


def communication_state_required() -> GenesysError:
    return GenesysError(400, "communication.state.required",
                        "Can only update a communication's state to disconnected.")


def wrapup_not_applicable() -> GenesysError:
    # inferred: only a leg that was answered has something to wrap up
    return bad_request("Wrap-up can only be assigned to an agent participant that was connected.")


def wrapup_code_required() -> GenesysError:
    return GenesysError(400, "conversation.error.wrapup.code.required",
                        "Wrapup code is a required field and cannot be empty.")


def wrapup_cannot_skip() -> GenesysError:
    return GenesysError(400, "conversation.error.wrapup.cannot.skip", "Wrap-up cannot be skipped for this participant.")


def transfer_not_connected() -> GenesysError:
    return GenesysError(400, "conversations.error.transfer.not.connected",
                        "You can only transfer conversations that are in the connected state.")


def transfer_in_progress() -> GenesysError:
    # inferred: one consult transfer at a time
    return GenesysError(409, "conversations.error.transfer.in.progress",
                        "A transfer is already in progress for this conversation.")


def transfer_to_holder() -> GenesysError:
    return bad_request("A conversation cannot be transferred to the user who holds it.")


def transfer_user_not_found() -> GenesysError:
    return GenesysError(400, "conversations.error.user.not.found",  # inferred: code
                        "The user to transfer to does not exist.")


def transfer_queue_not_found() -> GenesysError:
    return GenesysError(400, "conversations.error.queue.not.found", "The queue does not exist.")


def transfer_address_invalid() -> GenesysError:
    return GenesysError(400, "conversations.error.transfer.address.invalid",  # inferred: code
                        "The transfer address does not resolve to a user or a queue.")


def transfer_destination_required() -> GenesysError:
    return bad_request("A transfer needs a destination: userId, queueId or address.")


# -- Open Messaging ----------------------------------------------------------------------------------
def integration_not_found() -> GenesysError:
    # inferred: an unknown integration id is the generic not.found
    return not_found()


def message_not_found() -> GenesysError:
    # inferred: an unknown message id is the generic not.found
    return not_found()


ANY_OF_TEXT_OR_CONTENT = ("should have required property 'content', should have required property '.text', "
                          "should match some schema in anyOf")


def message_text_or_content_required() -> GenesysError:
    """An inbound message with neither text nor content (the message a user reported, 2025-06; status inferred)."""
    return bad_request(ANY_OF_TEXT_OR_CONTENT,
                       details=[{"errorCode": "field.required", "fieldName": "text"},
                                {"errorCode": "field.required", "fieldName": "content"}])


def chat_removed() -> GenesysError:
    """A chat route of an org serving messaging only: what the current API answers for a path it no longer has."""
    return for_status(404)


# -- notifications -----------------------------------------------------------------------------------
def invalid_topic(topic: str) -> GenesysError:
    return GenesysError(
        400,
        "notification.invalid.topic",
        "The subscription topic is not valid.",
        message_params={"topic": topic},
        details=[{"errorCode": "notification.invalid.topic", "fieldName": "id", "entityId": topic}],
    )


def too_many_subscriptions(limit: int) -> GenesysError:
    return GenesysError(
        400,
        "notification.subscription.too.many.subscriptions",
        "Too many subscriptions",
        message_params={"limit": str(limit)},
    )


def foreign_channel(status: int) -> GenesysError:
    """A channel of another user/app (`NotificationConfig.foreign_channel_status`)."""
    if status == 404:
        return not_found()
    return GenesysError(status, "not.authorized", "You are not authorized to use this channel.")
