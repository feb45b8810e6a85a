"""Settings of the Genesys fake for behaviours the reference could not confirm (each one `# inferred:`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .auth import DEFAULT_TOKEN_SECONDS


@dataclass(frozen=True)
class ErrorSpec:
    status: int
    code: str
    message: str


@dataclass
class GenesysConfig:
    """Change a field (e.g. `fake.config.external_transfer_error = ErrorSpec(...)`) to model another guess."""

    # inferred: default client-credentials token lifetime (per OAuth client, 300 s .. 48 h)
    token_seconds: int = DEFAULT_TOKEN_SECONDS
    # inferred: real answer to a Genesys-side transfer of an externally routed interaction is unknown
    external_transfer_error: ErrorSpec = field(default_factory=lambda: ErrorSpec(
        403, "conversation.error.transfer.not.allowed",
        "This conversation is routed externally and cannot be transferred from Genesys Cloud."))
    # inferred: the code for a wrap-up code outside the queue's list is not documented
    wrapup_code_not_allowed_error: ErrorSpec = field(default_factory=lambda: ErrorSpec(
        400, "conversation.error.wrapup.code.invalid",
        "The wrap-up code is not valid for this participant's queue."))
    # inferred: declining an ACD alert makes the agent NOT_RESPONDING, like a missed alert
    decline_sets_not_responding: bool = True
    # inferred: the conversation listings of the logged-in user answer not.a.user for a client token
    conversation_list_needs_user: bool = True
    # inferred: a user token may only act on its own agent participant
    user_token_own_participant_only: bool = True
    # inferred: the code Genesys records when the ACW timer runs out
    acw_timeout_code_name: str = "ININ-WRAP-UP-TIMEOUT"
