"""The control API is a local tool's back door: no credential, so it refuses what a web page could send it,
and no value it takes can break the fakes (regressions of what a fuzzer found)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from omni_harness.fakes.core import World
from omni_harness.fakes.runner import Stack, start_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    stack = start_stack(World(seed=3, agents=2, queues=1), workdir=tmp_path_factory.mktemp("stack"))
    yield stack
    stack.stop()


@pytest.fixture
def urls(stack: Stack) -> Iterator[dict[str, str]]:
    out = {name: listeners["api"].url for name, listeners in stack.servers.items()}
    yield out
    for url in out.values():
        requests.post(f"{url}/_fake/reset", timeout=10)


def _logins_work(stack: Stack) -> None:
    env = stack.env()
    genesys = requests.post(f"{env['GENESYS_LOGIN_URL']}/oauth/token", data={"grant_type": "client_credentials"},
                            auth=(env["GENESYS_CLIENT_ID"], env["GENESYS_CLIENT_SECRET"]), timeout=10)
    assert genesys.status_code == 200, genesys.text
    salesforce = requests.post(f"{env['SALESFORCE_LOGIN_URL']}/services/oauth2/token", timeout=10,
                               data={"grant_type": "password", "client_id": env["SALESFORCE_CLIENT_ID"],
                                     "client_secret": env["SALESFORCE_CLIENT_SECRET"],
                                     "username": env["SALESFORCE_USERNAME"],
                                     "password": env["SALESFORCE_PASSWORD"] + env.get("SALESFORCE_SECURITY_TOKEN", "")})
    assert salesforce.status_code == 200, salesforce.text


@pytest.mark.parametrize("raw", ['{"seconds": 1e12}', '{"seconds": NaN}', '{"seconds": Infinity}',
                                 '{"seconds": 1e400}', '{"seconds": ' + "9" * 400 + "}"])
def test_the_clock_refuses_an_advance_it_cannot_represent(stack: Stack, urls: dict[str, str], raw: str) -> None:
    for url in urls.values():
        before = requests.get(f"{url}/_fake/clock", timeout=10).json()
        r = requests.post(f"{url}/_fake/clock/advance", data=raw, headers={"Content-Type": "application/json"},
                          timeout=10)
        assert r.status_code == 400, r.text
        assert r.json()["error"] == "bad_request"
        after = requests.get(f"{url}/_fake/clock", timeout=10).json()
        assert after["epochSeconds"] == pytest.approx(before["epochSeconds"], abs=5)
    _logins_work(stack)


def test_a_text_plain_post_is_refused(urls: dict[str, str]) -> None:
    # What an HTML form or `navigator.sendBeacon` on any web site can send to localhost without a preflight.
    for url in urls.values():
        r = requests.post(f"{url}/_fake/clock/advance", data='{"seconds": 5}', headers={"Content-Type": "text/plain"},
                          timeout=10)
        assert r.status_code == 415 and r.json()["error"] == "unsupported_media_type"
        form = requests.post(f"{url}/_fake/reset", data={"a": "b"}, timeout=10)
        assert form.status_code == 415


def test_a_foreign_host_is_refused(urls: dict[str, str]) -> None:
    # A DNS-rebinding page reaches the port under its own domain name.
    for url in urls.values():
        r = requests.get(f"{url}/_fake/journal", headers={"Host": "attacker.example"}, timeout=10)
        assert r.status_code == 403 and r.json()["error"] == "forbidden"
        assert requests.get(f"{url}/_fake/journal", headers={"Host": "localhost"}, timeout=10).status_code == 200


def test_a_cross_origin_request_is_refused(urls: dict[str, str]) -> None:
    for url in urls.values():
        r = requests.post(f"{url}/_fake/reset", headers={"Origin": "https://attacker.example"}, timeout=10)
        assert r.status_code == 403
        # The same origin (a page the fake serves itself) and tools that send no Origin are welcome.
        assert requests.post(f"{url}/_fake/reset", headers={"Origin": url}, timeout=10).status_code == 200
        assert requests.post(f"{url}/_fake/reset", timeout=10).status_code == 200


def test_control_json_refuses_non_finite_numbers(urls: dict[str, str]) -> None:
    for url in urls.values():
        r = requests.post(f"{url}/_fake/tokens", data='{"userId": NaN}', headers={"Content-Type": "application/json"},
                          timeout=10)
        assert r.status_code == 400 and "NaN" in r.json()["message"]
