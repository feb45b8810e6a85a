"""report.html from given results, without a certification: escaping, the timeline's cap, warnings, measurements."""

from __future__ import annotations

import re

from omni_harness.harness.html_report import HEAD_ROWS, MAX_TIMELINE, render, timeline_rows
from omni_harness.harness.requirements import catalogue

NODE = "test_certification.py::test_x"
HOSTILE = '<script src="https://evil.example/x.js"></script>'


def summary(**extra):
    base = {
        "verdict": "not certified", "harnessVersion": "0.1.0", "featuresHash": "0" * 64, "generatedAt": "2026-01-01T00:00:00Z",
        "connector": {"command": "node conn.js", "name": "acme", "version": "2.0",
                      "manifest": {"origin": "given", "path": "/x/connector.yaml", "searched": [], "command": None,
                                   "profiles": ["core"], "media": ["chat"]}},
        "profile": "core", "profiles": ["core"], "selection": {"requirements": [], "keyword": None}, "media": "chat",
        "startupError": None, "timings": {}, "counts": {"passed": 0, "failed": 1, "notRun": 0, "notDeclared": 0},
        "requirements": [{"id": "END-1", "verdict": "failed", "scenarios": [HOSTILE], "statement": "s", "duration": 1.5,
                          "profile": "core", "source": "step 4", "required": True},
                         {"id": "SCALE-1", "verdict": "passed", "scenarios": ["many"], "statement": "s", "duration": 3,
                          "profile": "scale", "source": "expected", "required": True,
                          "measurements": {"agents": 12, "pickUpToOpened": {"count": 12, "medianMs": 80.0}}}],
        "warnings": [], "notes": [f"note {HOSTILE}"], "traceability": {"ok": True, "problems": []},
        "artefacts": ["junit.xml"],
    }
    base.update(extra)
    return base


def entry(seq: int, source: str, kind: str = "event", **data):
    e = {"seq": seq, "time": f"2026-01-01T10:00:{seq % 60:02d}.000Z", "kind": kind, "source": source,
         "type": "http" if kind == "request" else "user.presence", "correlationId": data.pop("cid", ""),
         "data": data, "scenarios": [NODE]}
    return e


def scenario(**extra):
    base = {"nodeid": NODE, "name": HOSTILE, "feature": "Ending", "requirements": ["END-1"], "outcome": "failed",
            "duration": 1.5, "message": "AssertionError: Timed out after 2 s waiting for X; it is Y.\n\nJournal of this "
            "scenario (3 entries):\n  #1 ...", "failed_step": "Then the client disconnects the chat",
            "expectation": "the chat to be disconnected", "seen": "Alice's leg connected",
            "record": {"agents": {"Alice": "Ann <ann@example.com>"}, "queues": ["Chat Queue 1 <-> Chat_Queue_1"],
                       "harness_requests": ["h1"], "names": {"u-1": "Alice"}, "cleanup": []}}
    base.update(extra)
    return base


def test_everything_is_escaped_and_nothing_reaches_the_network():
    html = render(summary(), [scenario()], [entry(1, "genesys", userId="u-1")])
    assert HOSTILE not in html and "&lt;script" in html
    assert not re.search(r"<(script|link|img)\b", html) and "url(" not in html
    for rid, req in catalogue().items():
        assert (f'id="req-{rid}-chat"' in html) is req.applies_to("chat")
    assert "not selected" in html  # requirements outside the run are shown as such


def test_a_failure_shows_step_expectation_seen_and_a_two_column_timeline():
    entries = [entry(1, "genesys", userId="u-1", systemPresence="On Queue"),
               entry(2, "salesforce", "request", method="POST", path="/omni-toolkit/v1/users/u-1/acceptAgentWork",
                     status=400, responseBody={"errorCode": "INVALID"}),
               entry(3, "genesys", "request", method="GET", path="/api/v2/users/u-1/routingstatus", status=200,
                     cid="h1")]
    html = render(summary(), [scenario()], entries)
    assert 'id="failure-1"' in html and "href=\"#failure-1\"" in html
    for text in ("Then the client disconnects the chat", "the chat to be disconnected", "Alice&#x27;s leg connected"):
        assert text in html
    assert "Journal of this scenario" not in html  # the report shows its own timeline instead
    assert '<abbr title="u-1">Alice</abbr>' in html
    rows, left_out = timeline_rows(entries, scenario()["record"])
    assert left_out == 1  # the harness's own read
    assert rows.count("<tr") == 2 and 'class="refused"' in rows
    first, second = re.findall(r"<tr[^>]*>(.*?)</tr>", rows)
    assert re.search(r'<td class="genesys">user\.presence', first) and '<td class="salesforce"></td>' in first
    assert '<td class="genesys"></td>' in second and "acceptAgentWork -&gt; 400" in second


def test_the_timeline_is_capped():
    entries = [entry(i, "genesys", userId="u-1") for i in range(1, 500)]
    rows, left_out = timeline_rows(entries, {})
    assert rows.count("<tr") == MAX_TIMELINE + 1  # and one row saying how many are not shown
    assert left_out == 499 - MAX_TIMELINE
    assert f"#{HEAD_ROWS}<" in rows and "#499<" in rows and f"{499 - MAX_TIMELINE} more entries" in rows
    html = render(summary(), [scenario()], entries)
    assert len(html) < 120_000


def test_warnings_measurements_and_notes_are_shown():
    warning = {"seq": 7, "time": "2026-01-01T10:00:07.000Z", "platform": "salesforce", "method": "POST",
               "path": "/services/data/v67.0/sobjects/AgentWork/", "status": 400, "response": [{"errorCode": "DUP"}],
               "scenarios": [NODE], "injectedFault": None, "duringCleanup": True}
    html = render(summary(warnings=[warning], verdict="certified"), [], [])
    assert 'class="verdict certified">CERTIFIED<' in html and "Failures</h2><p>None." in html
    assert "/services/data/v67.0/sobjects/AgentWork/" in html and "DUP" in html and "during clean-up" in html
    assert "pickUpToOpened: count 12, medianMs 80.0" in html
    assert "note &lt;script" in html
    assert "@media print" in html


def test_each_run_verdict_has_its_own_banner_and_says_what_it_rests_on():
    narrowed = render(summary(verdict="passed for the selection", requiredNotRun=["PICK-2", "END-1"]), [], [])
    assert ">PASSED FOR THE SELECTION<" in narrowed and ">CERTIFIED<" not in narrowed
    assert "the selection left out PICK-2, END-1" in narrowed
    interrupted = render(summary(verdict="interrupted", interruptedBy="SIGTERM", requiredNotRun=["END-2"]), [], [])
    assert ">INTERRUPTED by SIGTERM<" in interrupted and "never ran: END-2" in interrupted
    ready = render(summary(verdict="not ready", startupError="The connector was not ready after 3 s. Still missing: "
                           "a Salesforce Streaming API subscription (/cometd ...)."), [], [])
    assert "NOT CERTIFIED: THE CONNECTOR WAS NOT READY" in ready and "The connector was never ready" in ready


def test_injected_refusals_are_apart_from_warnings_and_name_their_rule():
    injected = {"seq": 9, "time": "2026-01-01T10:00:09.000Z", "platform": "genesys", "method": "POST",
                "path": "/api/v2/conversations/chats", "status": 429, "response": {"status": 429}, "scenarios": [NODE],
                "injectedFault": "fault-7", "duringCleanup": False}
    html = render(summary(injectedRefusals=[injected]), [], [])
    warnings, refusals = html.split("Injected refusals", 1)
    assert "/api/v2/conversations/chats" not in warnings and "None." in warnings
    assert "/api/v2/conversations/chats" in refusals and "injected fault fault-7" in refusals


def test_scenarios_failing_the_same_way_are_one_root_cause_said_first():
    same = dict(failed_step="Given a chat routed to Alice is alerting in her client",
                expectation="Alice (Megan Chang)'s client to alert the chat", message="Timed out after 2 s waiting for "
                "Alice (Megan Chang)'s client to alert the chat; no conversation.")
    other = dict(same, expectation="Alice (John Roe)'s client to alert the chat",
                 message="Timed out after 2 s waiting for Alice (John Roe)'s client to alert the chat; no conversation.")
    scenarios = [scenario(nodeid="a", name="one", requirements=["PICK-1"], **same),
                 scenario(nodeid="b", name="two", requirements=["END-1"], **other),
                 scenario(nodeid="c", name="three", requirements=["WRAP-2"])]
    html = render(summary(), scenarios, [])
    causes = html.split("<h2>Root causes (1)</h2>", 1)[1].split("<h2>Requirements", 1)[0]
    assert html.index("Root causes") < html.index("<h2>Requirements")
    assert "2 scenarios stopped at" in causes and "PICK-1 [chat], END-1 [chat]" in causes and "WRAP-2" not in causes
    assert "POST /api/v2/conversations/chats on Genesys Cloud" in causes


def test_a_platform_guaranteed_requirement_says_so_with_its_reason():
    from omni_harness.harness.html_report import render
    from omni_harness.harness.requirements import catalogue

    guaranteed = [r for r in catalogue().values() if r.guarantee]
    assert guaranteed, "contracts/requirements.yaml marks no requirement platform-guaranteed"
    page = render(summary(), [scenario()], [])
    for req in guaranteed:
        assert "platform-guaranteed" in page and req.guarantee_reason.split()[0] in page
