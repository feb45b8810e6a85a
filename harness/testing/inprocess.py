"""`mock_platforms`: both fakes answered in process for `requests` calls to the platforms' real hosts.

Built on `responses` (the moto pattern): every `requests` call to a Genesys Cloud login/api host of any region
or to a Salesforce login/My Domain host is passed through the fake's WSGI app with werkzeug's test client and
handed back as a `requests` response. No port is opened and no thread is started; the fakes journal every
request as they do when served. Calls to any other host fail with `requests.ConnectionError`.

What it cannot reach: anything that is not `requests` (urllib3-based SDKs such as PureCloudPlatformClientV2,
aiohttp clients such as aiosfstream's CometD), and long-lived connections (the Genesys notification
websocket, CometD long-polls that wait for another thread). `omni-harness serve` / the `omni_stack` fixture
cover those.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from .platforms import GENESYS, SALESFORCE, Fakes

if TYPE_CHECKING:
    from omni_harness.fakes.core import World

    from .people import Agent, Customer

F = TypeVar("F", bound=Callable[..., Any])

# Genesys Cloud regions: the mypurecloud.* domains and the {region}.pure.cloud ones (usw2, cac1, euw2, euc2,
# aps1, apne2, apne3, sae1, mec1 ...), each with its login. and api. host (and apps. for the web client).
GENESYS_HOSTS = re.compile(r"^(login|api|apps)\.(mypurecloud\.(com|ie|de|jp|com\.au)|[a-z0-9-]+\.pure\.cloud"
                           r"|[a-z0-9-]+\.us-gov-pure\.cloud)$")
# Salesforce: the login hosts of production and sandboxes, and every My Domain (instance) host.
SALESFORCE_HOSTS = re.compile(r"^(login\.salesforce\.com|test\.salesforce\.com|[a-z0-9-]+(\.[a-z0-9-]+)*"
                              r"\.my\.salesforce\.com)$")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
# Hop-by-hop headers of the WSGI response that mean nothing once the body is in memory.
DROPPED_HEADERS = {"transfer-encoding", "connection", "keep-alive"}

_active: list[MockPlatforms] = []


def active_platforms() -> MockPlatforms:
    """The innermost running `mock_platforms` (for a test decorated with `@mock_platforms`)."""
    if not _active:
        raise RuntimeError("no mock_platforms is running")
    return _active[-1]


class MockPlatforms:
    """A context manager, decorator and (as the `mock_platforms` fixture) a fixture value.

    `genesys_url` / `salesforce_url` are the hosts the fakes say they live at (`api.mypurecloud.com`, the
    org's My Domain); the login hosts answer too, and the Salesforce login answers that My Domain as the
    instance URL, as the real one does.
    """

    def __init__(self, seed: int = 0, agents: int = 6, queues: int = 3, genesys_domain: str = "mypurecloud.com",
                 my_domain: str = "omni-harness") -> None:
        self.options = {"seed": seed, "agents": agents, "queues": queues, "genesys_domain": genesys_domain,
                        "my_domain": my_domain}
        self.genesys_url = f"https://api.{genesys_domain}"
        self.salesforce_url = f"https://{my_domain}.my.salesforce.com"
        self.world: World | None = None
        self.fakes: Fakes | None = None
        self._apps: dict[str, Any] = {}
        self._mock: Any = None

    # -- lifecycle --------------------------------------------------------------------------------------
    def start(self) -> MockPlatforms:
        import responses

        import omni_harness.fakes.genesys
        import omni_harness.fakes.salesforce
        from omni_harness.fakes.core import World

        opts = self.options
        self.world = World(seed=opts["seed"], agents=opts["agents"], queues=opts["queues"])
        built = {GENESYS: omni_harness.fakes.genesys.build(self.world), SALESFORCE: omni_harness.fakes.salesforce.build(self.world)}
        urls = {GENESYS: self.genesys_url, SALESFORCE: self.salesforce_url}
        for name, fake in built.items():
            listeners = fake.listeners()
            bound = {"api": urls[name]}
            if "streaming" in listeners:
                bound["streaming"] = f"wss://streaming.{opts['genesys_domain']}"
            fake.bind(bound)
            self._apps[name] = listeners["api"]
        self.fakes = Fakes(self.world, urls, True)
        mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        for method in METHODS:
            for pattern in (GENESYS_HOSTS, SALESFORCE_HOSTS):
                url = re.compile(r"^https?://" + pattern.pattern.strip("^$") + r"(:\d+)?([/?#].*)?$")
                mock.add_callback(method, url, callback=self._answer, content_type=None)
        mock.start()
        self._mock = mock
        _active.append(self)
        return self

    def stop(self) -> None:
        if self._mock is not None:
            self._mock.stop()
            self._mock.reset()
            self._mock = None
        if self in _active:
            _active.remove(self)
        if self.fakes is not None:
            self.fakes.close()
        if self.world is not None:
            self.world.clock.close()

    def __enter__(self) -> MockPlatforms:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __call__(self, func: F) -> F:
        """As a decorator: a fresh pair of fakes for each call of `func`."""
        if inspect.iscoroutinefunction(func):
            raise TypeError("mock_platforms decorates plain functions; `requests` is synchronous")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with MockPlatforms(**self.options):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    # -- routing -------------------------------------------------------------------------------------
    def app_for(self, host: str) -> Any:
        host = host.lower()
        if GENESYS_HOSTS.match(host):
            return self._apps[GENESYS]
        if SALESFORCE_HOSTS.match(host):
            return self._apps[SALESFORCE]
        raise LookupError(f"no fake answers for {host}")

    def _answer(self, request: Any) -> tuple[int, list[tuple[str, str]], bytes]:
        parts = urlsplit(request.url)
        app = self.app_for(parts.hostname or "")
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif body is not None and not isinstance(body, (bytes, bytearray)):
            body = b"".join(chunk if isinstance(chunk, bytes) else str(chunk).encode() for chunk in body)
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in ("host", "content-length")]
        with app.test_client(use_cookies=False) as client:
            response = client.open(parts.path or "/", base_url=f"{parts.scheme}://{parts.netloc}",
                                   query_string=parts.query, method=request.method, headers=headers,
                                   data=body or None)
            content = response.get_data()
            out_headers = [(k, v) for k, v in response.headers.items() if k.lower() not in DROPPED_HEADERS]
            status = response.status_code
            response.close()
        return status, out_headers, content

    # -- what a test uses --------------------------------------------------------------------------------
    def _require(self) -> Fakes:
        if self.fakes is None:
            raise RuntimeError("mock_platforms is not running")
        return self.fakes

    @property
    def credentials(self) -> Any:
        """The seeded integration credentials (`salesforce_username`, `genesys_client_id` ...)."""
        return self._require().plan.credentials

    @property
    def calls(self) -> Any:
        """`responses`' record of the intercepted calls (request, response)."""
        return self._mock.calls if self._mock is not None else []

    def journal(self, since: int = 0, kind: str | None = None, source: str | None = None) -> list[dict[str, Any]]:
        return self._require().journal(since=since, kind=kind, source=source)

    def agent(self, email: str | None = None, index: int = 0) -> Agent:
        """A seeded agent (by email, or the `index`-th), with their own tokens."""
        from .people import Agent

        fakes = self._require()
        people = fakes.people
        person = next((p for p in people if p.email.lower() == email.lower()), None) if email else people[index]
        if person is None:
            raise LookupError(f"no seeded agent has the email {email!r}")
        return Agent(fakes, person)

    def customer(self, name: str = "Pat Customer") -> Customer:
        from .people import Customer

        return Customer(self._require(), name)


def mock_platforms(func: F | None = None, **options: Any) -> Any:
    """`@mock_platforms`, `@mock_platforms(seed=3)` or `with mock_platforms() as platforms:`."""
    if func is not None:
        return MockPlatforms(**options)(func)
    return MockPlatforms(**options)
