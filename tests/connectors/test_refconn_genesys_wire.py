"""Reference connector: the Genesys Cloud calls of messaging as the SDK 263 puts them on the wire (method, path,
query, body), with the SDK's HTTP client swapped for a recorder that answers like the platform."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest
from PureCloudPlatformClientV2.abstract_http_client import AbstractHttpClient

from omni_harness.connectors.reference.genesys_rest import GenesysRest
from omni_harness.connectors.reference.open_messaging import open_message_body


@dataclass
class Answer:
    status: int
    data: str
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})

    def getheader(self, name: str, default: Any = None) -> Any:
        return self.headers.get(name, default)

    def getheaders(self) -> dict[str, str]:
        return self.headers


class Recorder(AbstractHttpClient):
    """Stands in for the SDK's HTTP client: records each request and answers from `answers` by path suffix."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: dict[str, Any] = {}
        self.requests: list[dict[str, Any]] = []

    def request(self, options) -> Answer:
        self.requests.append({"method": options.method, "url": options.url, "query": dict(options.query_params),
                              "body": options.body})
        for suffix, body in self.answers.items():
            if options.url.endswith(suffix):
                return Answer(200, json.dumps(body))
        return Answer(204, "")


@pytest.fixture
def wire():
    client = gc.ApiClient()
    client.host = "https://api.example.test"
    client.access_token = "token"
    recorder = Recorder()
    client.set_http_client(recorder)
    rest = GenesysRest(SimpleNamespace(api_client=client, token="token", refresh=lambda stale: None))
    return rest, recorder


def test_inbound_open_message_goes_out_as_the_plain_body_with_prefetch(wire):
    rest, recorder = wire
    recorder.answers["/inbound/open/message"] = {"id": "m1", "conversationId": "c-1", "text": "t",
                                                 "channel": {"platform": "Open", "type": "Private"}}
    body = open_message_body("eu-1", "Ann", "psr-1", "0Mw000000000001AAA", "hello")
    assert rest.send_open_message("om-1", body) == "c-1"
    (sent,) = recorder.requests
    assert (sent["method"], sent["url"]) == ("POST", "https://api.example.test/api/v2/conversations/messages/om-1"
                                                     "/inbound/open/message")
    assert sent["query"] == {"prefetchConversationId": "true"}
    assert sent["body"] == body  # custom attributes included


def test_answer_without_conversation_id_is_an_error(wire):
    rest, recorder = wire
    recorder.answers["/inbound/open/message"] = {"id": "m1", "text": "t"}
    with pytest.raises(Exception, match="no conversationId"):
        rest.send_open_message("om-1", open_message_body("eu-1", None, "psr-1", "w", "t"))


def test_message_conversation_calls_use_the_message_endpoints(wire):
    rest, recorder = wire
    recorder.answers["/api/v2/conversations/messages/c-1"] = {"id": "c-1", "participants": [
        {"id": "p1", "purpose": "customer", "state": "connected", "attributes": {"workItemId": "w"}}]}
    assert rest.get_conversation("c-1", media="messaging")["participants"][0]["attributes"] == {"workItemId": "w"}
    rest.disconnect_participant("c-1", "p1", media="messaging")
    rest.disconnect_conversation("c-1", media="messaging")
    rest.disconnect_participant("c-2", "p2")  # chat stays on the chat endpoints
    assert [(r["method"], r["url"].removeprefix("https://api.example.test"), r["body"]) for r in recorder.requests] == [
        ("GET", "/api/v2/conversations/messages/c-1", None),
        ("PATCH", "/api/v2/conversations/messages/c-1/participants/p1", {"state": "disconnected"}),
        ("PATCH", "/api/v2/conversations/messages/c-1", {"state": "disconnected"}),
        ("PATCH", "/api/v2/conversations/chats/c-2/participants/p2", {"state": "disconnected"}),
    ]


def test_integrations_are_listed_by_name_across_pages(wire):
    rest, recorder = wire
    pages = iter([{"entities": [{"id": "om-1", "name": "Salesforce Messaging 1"}], "pageNumber": 1, "pageCount": 2},
                  {"entities": [{"id": "om-2", "name": "Salesforce Messaging 2"}], "pageNumber": 2, "pageCount": 2}])

    class Paged(Recorder):
        def request(self, options) -> Answer:
            super().request(options)
            return Answer(200, json.dumps(next(pages)))

    paged = Paged()
    rest.auth.api_client.set_http_client(paged)
    assert rest.open_messaging_integrations() == {"Salesforce Messaging 1": "om-1", "Salesforce Messaging 2": "om-2"}
    assert [r["url"].endswith("/api/v2/conversations/messaging/integrations/open") for r in paged.requests] == [True,
                                                                                                             True]
    assert [r["query"]["pageNumber"] for r in paged.requests] == ["1", "2"]
