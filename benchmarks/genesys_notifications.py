"""Benchmark: Genesys notification change-to-delivery latency on loopback, at 1, 100 and 1,000 subscribed agents.

A change is a presence PATCH (`/api/v2/users/{id}/presences/purecloud`, alternating Away / Available); its
delivery is the `v2.users.{id}.presence` event read from the notification WebSocket.

Three processes, so that no one's interpreter lock skews another's clock readings:
  the fake        serves the Genesys fake (REST and the notification listener), records when each
                  change is committed (journaled);
  the subscriber  holds the WebSockets and records when each event is read (one thread, one selector,
                  frames parsed straight off the sockets);
  this process    sets up channels and drives the changes, recording when each PATCH is sent.
All three read CLOCK_MONOTONIC (`time.perf_counter()` on Linux), so their readings compare directly:
  change -> delivery   from just before the PATCH is sent to the event read (includes the REST call);
  commit -> delivery   from the change being journaled in the fake to the event read (the delivery path).

Channel layouts:
  one-channel        the integration's way: one channel (client-credentials token) subscribed to the
                     presence topic of all N agents (1,000 topics fit one channel), one socket.
  channel-per-agent  the agent clients' way: each agent's own user token, its own channel and socket,
                     subscribed to its own presence topic; N sockets.
Modes:
  sequential         one change in flight at a time (unloaded latency).
  burst              every agent changes at once, issued by 8 client threads (latency under load).

Bounded: a fixed number of changes per case (300 at 1 agent, 1,000 at 100, 3,000 at 1,000) and a
time limit per case. Run from the repository root:
    python benchmarks/genesys_notifications.py [--agents 1 100 1000] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import selectors
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AWAY = "5e5c5c66-ea97-4e7f-ac41-6424784829f2"
AVAILABLE = "6a3af858-942f-489d-9700-5f9bcdcdae9b"
DRIVER_THREADS = 8
CASE_TIME_LIMIT = 120.0  # seconds per case
TARGET_CHANGES = {1: 300, 100: 1000, 1000: 3000}  # changes per case (whole rounds of N agents)


def _lines(stream):
    """Yield commands from a text stream, one per line."""
    for line in stream:
        yield line.strip()


# -- the fake, in a child process ----------------------------------------------------------------------------
def serve(agents: int, switch_interval: float | None, unbatched: bool, nagle: bool) -> None:
    """Serve the Genesys fake and print its URLs; answer "commits" with the monotonic time each presence
    change was journaled, per user (and forget them); stop at the end of input."""
    sys.path.insert(0, str(ROOT))
    from omni_harness.fakes.core import World
    from omni_harness.fakes.runner import start_stack

    if switch_interval:
        sys.setswitchinterval(switch_interval)
    world = World(seed=1, agents=agents, queues=2)
    stack = start_stack(world, names=["genesys"])
    config = stack.fakes["genesys"].notifications.config
    config.batch_frames = not unbatched
    config.tcp_nodelay = not nagle
    commits: dict[str, list[float]] = defaultdict(list)

    def record(entry) -> None:
        if entry.kind == "event" and entry.type == "user.presence":
            commits[entry.data["userId"]].append(time.perf_counter())

    world.journal.add_listener(record)
    creds = world.plan.credentials
    print(
        json.dumps(
            {
                "api": stack.url("genesys"),
                "clientId": creds.genesys_client_id,
                "clientSecret": creds.genesys_client_secret,
            }
        ),
        flush=True,
    )
    for command in _lines(sys.stdin):
        if command == "commits":
            print(json.dumps(commits), flush=True)
            commits.clear()
    stack.stop()


# -- the subscriber, in a child process ----------------------------------------------------------------------
def subscribe() -> None:
    """Read connectUris (a JSON list) from stdin, connect them all, print "ready"; record when each
    presence event arrives. "wait N S" answers once N events have arrived or S seconds passed (with the
    count); "stop" prints the arrival times per user."""
    import websocket

    commands = _lines(sys.stdin)
    uris = json.loads(next(commands))
    conns = [websocket.create_connection(uri, timeout=30) for uri in uris]
    arrivals: dict[str, list[float]] = defaultdict(list)
    stop = threading.Event()
    arrived = threading.Condition()
    count = 0

    def read() -> None:
        nonlocal count
        sel = selectors.DefaultSelector()
        buffers: dict[socket.socket, bytearray] = {}
        for ws in conns:
            ws.sock.setblocking(False)
            buffers[ws.sock] = bytearray()
            sel.register(ws.sock, selectors.EVENT_READ)
        while not stop.is_set():
            for key, _ in sel.select(timeout=0.1):
                sock = key.fileobj
                try:
                    chunk = sock.recv(1 << 20)
                except BlockingIOError:
                    continue
                now = time.perf_counter()
                if not chunk:
                    sel.unregister(sock)
                    continue
                buf = buffers[sock]
                buf += chunk
                got = 0
                for opcode, payload in _frames(buf):
                    if opcode != 1:
                        continue
                    topic = json.loads(payload).get("topicName", "")
                    if topic.endswith(".presence"):
                        arrivals[topic[len("v2.users.") : -len(".presence")]].append(now)
                        got += 1
                if got:
                    with arrived:
                        count += got
                        arrived.notify_all()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    print("ready", flush=True)
    for command in commands:
        if command == "stop":
            break
        if command.startswith("wait "):
            _, wanted, seconds = command.split()
            with arrived:
                arrived.wait_for(lambda w=int(wanted): count >= w, timeout=float(seconds))
                print(count, flush=True)
    stop.set()
    reader.join(timeout=5)
    print(json.dumps(arrivals), flush=True)


def _frames(buf: bytearray):
    """Complete unmasked frames at the start of `buf` (consumed): (opcode, payload)."""
    while len(buf) >= 2:
        opcode, size, at = buf[0] & 0x0F, buf[1] & 0x7F, 2
        if size == 126:
            if len(buf) < 4:
                return
            size, at = int.from_bytes(buf[2:4], "big"), 4
        elif size == 127:
            if len(buf) < 10:
                return
            size, at = int.from_bytes(buf[2:10], "big"), 10
        if len(buf) < at + size:
            return
        payload = bytes(buf[at : at + size])
        del buf[: at + size]
        yield opcode, payload


# -- this process: set-up and changes -----------------------------------------------------------------------
@dataclass
class Result:
    agents: int
    layout: str
    mode: str
    changes: int = 0
    delivered: int = 0
    lost: int = 0
    duplicates: int = 0
    seconds: float = 0.0
    p50_ms: float = 0.0  # change (before the PATCH is sent) -> event read by the subscriber
    p99_ms: float = 0.0
    max_ms: float = 0.0
    commit_p50_ms: float = 0.0  # change journaled in the fake -> event read by the subscriber
    commit_p99_ms: float = 0.0
    commit_max_ms: float = 0.0
    rest_p50_ms: float = 0.0  # the PATCH round trip, for comparison
    timed_out: bool = False


def percentiles(values: list[float]) -> tuple[float, float, float]:
    if not values:
        return 0.0, 0.0, 0.0
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    return round(statistics.median(values) * 1000, 2), round(p99 * 1000, 2), round(values[-1] * 1000, 2)


class Child:
    """A child process spoken to by lines on stdin / stdout."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
        )

    def ask(self, line: str | None = None) -> str:
        if line is not None:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        return self.proc.stdout.readline()

    def close(self) -> None:
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Api:
    def __init__(self, url: str, creds: dict) -> None:
        import requests

        self.url = url
        self.creds = creds
        self.http = requests.Session()

    def control(self, method: str, path: str, **kw):
        resp = self.http.request(method, f"{self.url}/_fake/{path}", **kw)
        resp.raise_for_status()
        return resp.json()

    def client_token(self) -> str:
        resp = self.http.post(
            f"{self.url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(self.creds["clientId"], self.creds["clientSecret"]),
        )
        resp.raise_for_status()
        return resp.json()["access_token"]

    def user_token(self, user_id: str) -> str:
        return self.control("POST", "tokens", json={"userId": user_id})["access_token"]

    def channel(self, token: str, topics: list[str]) -> str:
        headers = {"Authorization": f"Bearer {token}"}
        resp = self.http.post(f"{self.url}/api/v2/notifications/channels", headers=headers, data="null")
        resp.raise_for_status()
        channel = resp.json()
        resp = self.http.put(
            f"{self.url}/api/v2/notifications/channels/{channel['id']}/subscriptions",
            headers=headers,
            json=[{"id": t} for t in topics],
        )
        resp.raise_for_status()
        return channel["connectUri"]


def run_case(api: Api, fake: Child, users: list[str], layout: str, mode: str) -> Result:
    import requests

    n = len(users)
    result = Result(n, layout, mode)
    api.control("POST", "reset")
    token = api.client_token()
    if layout == "one-channel":
        uris = [api.channel(token, [f"v2.users.{u}.presence" for u in users])]
    else:
        uris = [api.channel(api.user_token(u), [f"v2.users.{u}.presence"]) for u in users]
    subscriber = Child("--subscriber")
    try:
        assert subscriber.ask(json.dumps(uris)).strip() == "ready"
        fake.ask("commits")  # forget what setting up committed
        rounds = max(1, TARGET_CHANGES.get(n, 1000) // n)
        sent: dict[str, list[float]] = {u: [] for u in users}
        rest_times: list[float] = []
        headers = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + CASE_TIME_LIMIT
        started = time.perf_counter()

        def change(http, user: str, k: int) -> None:
            definition = AWAY if k % 2 == 0 else AVAILABLE
            t0 = time.perf_counter()
            sent[user].append(t0)
            resp = http.patch(
                f"{api.url}/api/v2/users/{user}/presences/purecloud",
                headers=headers,
                json={"presenceDefinition": {"id": definition}},
            )
            rest_times.append(time.perf_counter() - t0)
            resp.raise_for_status()

        def drive(part: list[str], one_at_a_time: bool) -> None:
            with requests.Session() as http:
                for k in range(rounds):
                    for i, user in enumerate(part):
                        if time.monotonic() > deadline:
                            result.timed_out = True
                            return
                        change(http, user, k)
                        if one_at_a_time:
                            subscriber.ask(f"wait {k * len(part) + i + 1} 5")

        if mode == "sequential":
            drive(users, True)
        else:
            parts = [users[i::DRIVER_THREADS] for i in range(min(DRIVER_THREADS, n))]
            threads = [threading.Thread(target=drive, args=(p, False)) for p in parts]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        committed = json.loads(fake.ask("commits"))
        # Let the last deliveries land: wait until the subscriber has seen as many as were committed.
        arrivals = _collect(subscriber, sum(len(v) for v in committed.values()), deadline)
        result.seconds = time.perf_counter() - started
    finally:
        subscriber.close()
    result.changes = sum(len(v) for v in sent.values())
    e2e, internal = [], []
    for user, times in sent.items():
        got = arrivals.get(user, [])
        result.delivered += len(got)
        result.lost += max(0, len(times) - len(got))
        result.duplicates += max(0, len(got) - len(times))
        e2e += [a - t for a, t in zip(got, times, strict=False)]
        internal += [a - c for a, c in zip(got, committed.get(user, []), strict=False)]
    result.p50_ms, result.p99_ms, result.max_ms = percentiles(e2e)
    result.commit_p50_ms, result.commit_p99_ms, result.commit_max_ms = percentiles(internal)
    result.rest_p50_ms = percentiles(rest_times)[0]
    return result


def _collect(subscriber: Child, expected: int, deadline: float) -> dict[str, list[float]]:
    """The subscriber's arrival times, once it has read `expected` events or the case ran out of time."""
    subscriber.ask(f"wait {expected} {max(1.0, deadline - time.monotonic() + 10)}")
    return json.loads(subscriber.ask("stop"))


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[1, 100, 1000])
    parser.add_argument("--layouts", nargs="+", default=["one-channel", "channel-per-agent"])
    parser.add_argument("--modes", nargs="+", default=["sequential", "burst"])
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument(
        "--switch-interval", type=float, help="sys.setswitchinterval() in the fake's process (CPython default 0.005 s)"
    )
    parser.add_argument(
        "--unbatched",
        action="store_true",
        help="one write per frame on each socket (the delivery path before batching)",
    )
    parser.add_argument(
        "--nagle",
        action="store_true",
        help="leave Nagle's algorithm on for the sockets (the delivery path before TCP_NODELAY)",
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--subscriber", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.switch_interval, args.unbatched, args.nagle)
        return 0
    if args.subscriber:
        subscribe()
        return 0

    command = ["--serve", str(max(args.agents))]
    if args.switch_interval:
        command += ["--switch-interval", str(args.switch_interval)]
    if args.unbatched:
        command.append("--unbatched")
    if args.nagle:
        command.append("--nagle")
    fake = Child(*command)
    try:
        urls = json.loads(fake.ask())
        api = Api(urls["api"], urls)
        all_users = [u["id"] for u in api.control("GET", "state")["org"]["users"]]
        results = []
        print(f"machine: {machine()}")
        print(f"command: python benchmarks/genesys_notifications.py {' '.join(argv or sys.argv[1:])}")
        print(
            f"{'agents':>6} {'layout':<18} {'mode':<10} {'changes':>7} {'lost':>4} {'dup':>3} "
            f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'c.p50':>6} {'c.p99':>6} {'c.max':>6} "
            f"{'REST p50':>8} {'chg/s':>6}"
        )
        for n in args.agents:
            users = all_users[:n]
            for layout in args.layouts:
                if n == 1 and layout == "channel-per-agent" and "one-channel" in args.layouts:
                    continue  # the same as one-channel with one agent
                for mode in args.modes:
                    if n == 1 and mode == "burst" and "sequential" in args.modes:
                        continue  # one agent: a burst is the sequential case
                    r = run_case(api, fake, users, layout, mode)
                    results.append(r)
                    rate = r.changes / r.seconds if r.seconds else 0
                    print(
                        f"{r.agents:>6} {r.layout:<18} {r.mode:<10} {r.changes:>7} {r.lost:>4} {r.duplicates:>3} "
                        f"{r.p50_ms:>7} {r.p99_ms:>7} {r.max_ms:>7} {r.commit_p50_ms:>6} {r.commit_p99_ms:>6} "
                        f"{r.commit_max_ms:>6} {r.rest_p50_ms:>8} {rate:>6.0f}"
                        f"{'  (time limit)' if r.timed_out else ''}",
                        flush=True,
                    )
        print(f"load average after: {[round(x, 2) for x in os.getloadavg()]}")
        if args.json:
            Path(args.json).write_text(
                json.dumps(
                    {"machine": machine(), "args": vars(args), "results": [asdict(r) for r in results]}, indent=2
                )
            )
    finally:
        fake.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
