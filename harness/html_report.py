"""report.html: a certification for a person to read: the verdict, every requirement, each failure with its evidence.

Self-contained (inline CSS; no script, font, image or style sheet from anywhere), printable (print CSS: no
colours needed, no row split across pages) and small: a failure's journal slice keeps the state changes and the
requests that act, leaves out the harness's own reads and the streaming polls, and is capped at MAX_TIMELINE rows.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from .journal import describe_what
from .media import verdict_key
from .requirements import catalogue
from .rootcause import EXCEPTION_PREFIX, group

MAX_TIMELINE = 80  # rows of one failure's journal slice: the first HEAD_ROWS and the last ones
HEAD_ROWS = 15
MAX_MESSAGE = 1500  # characters of a failure message shown (the full text is in junit.xml and scenarios.json)
MAX_WARNINGS = 200
MAX_BODY = 400
PLATFORMS = (("genesys", "Genesys Cloud"), ("salesforce", "Salesforce"))
STATUS_LABEL = {"passed": "passed", "failed": "failed", "not run": "not run", "not declared": "not declared",
                "not selected": "not selected", "not selected (required)": "not selected (required)"}
READ_METHOD = re.compile(r"/(get[A-Z]\w*|query)$")

CSS = """
:root { --pass: #1a7f37; --fail: #c62828; --muted: #6b7280; --line: #d0d7de; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; margin: 0 auto;
       max-width: 1200px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line);
     padding-bottom: 4px; } h3 { font-size: 15px; margin: 0 0 8px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
pre { white-space: pre-wrap; word-break: break-word; background: var(--soft); padding: 8px; margin: 4px 0;
      border: 1px solid var(--line); }
.verdict { display: inline-block; padding: 6px 14px; font-size: 18px; font-weight: 700; color: #fff;
           border-radius: 4px; margin: 8px 0; }
.verdict.certified { background: var(--pass); } .verdict.not-certified, .verdict.not-ready { background: var(--fail); }
.verdict.passed-for-the-selection, .verdict.interrupted, .verdict.nothing-certified { background: #9a6700; }
.cause { border: 1px solid var(--line); border-left: 4px solid var(--fail); padding: 8px 12px; margin: 10px 0; }
.status { font-weight: 600; white-space: nowrap; }
.status.passed { color: var(--pass); } .status.failed { color: var(--fail); }
.status.not-run, .status.not-declared, .status.not-selected { color: var(--muted); }
.status.not-selected-required { color: #9a6700; }
tr.not-selected td, tr.not-declared td { color: var(--muted); }
.meta td:first-child { width: 200px; color: var(--muted); }
.quote { color: var(--muted); font-style: italic; display: block; }
.failure { border: 1px solid var(--line); border-left: 4px solid var(--fail); padding: 10px 12px; margin: 14px 0; }
dl.facts { display: grid; grid-template-columns: 110px 1fr; gap: 2px 10px; margin: 6px 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
table.timeline td { font-size: 12px; } table.timeline td.seq, table.timeline td.time { white-space: nowrap;
  color: var(--muted); width: 1%; }
table.timeline td.genesys, table.timeline td.salesforce { width: 49%; }
tr.refused td { background: #fff1f0; } tr.gap td { text-align: center; color: var(--muted); font-style: italic; }
.who { color: var(--muted); } .small { font-size: 12px; color: var(--muted); }
abbr { text-decoration: none; border-bottom: 1px dotted var(--muted); }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  .verdict { color: #000; background: none !important; border: 2px solid #000; }
  .failure { break-inside: avoid-page; border-left-width: 2px; }
  tr, dl.facts { break-inside: avoid; }
  h2 { break-after: avoid; }
  pre { background: none; }
  a { color: inherit; text-decoration: none; }
}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _status_class(status: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", status.lower()).strip("-")


def _seconds(value: Any) -> str:
    try:
        return f"{float(value):.1f} s"
    except (TypeError, ValueError):
        return ""


BANNERS = {"certified": "CERTIFIED", "passed for the selection": "PASSED FOR THE SELECTION",
           "not certified": "NOT CERTIFIED", "not ready": "NOT CERTIFIED: THE CONNECTOR WAS NOT READY",
           "interrupted": "INTERRUPTED", "nothing certified": "NOTHING CERTIFIED"}


def banner(summary: dict[str, Any]) -> str:
    verdict = str(summary.get("verdict", "not certified"))
    word = BANNERS.get(verdict, verdict.upper())
    if verdict == "interrupted" and summary.get("interruptedBy"):
        word += f" by {summary['interruptedBy']}"
    if summary.get("shard"):
        word += f" (shard {summary['shard']['index']}/{summary['shard']['total']})"
    return word


def _verdict_line(summary: dict[str, Any]) -> str:
    """What the banner rests on, in one sentence."""
    verdict = summary.get("verdict")
    missing = ", ".join(summary.get("requiredNotRun") or [])
    if verdict == "certified":
        return "Every requirement certification needs for what the connector declares ran and passed."
    if verdict == "passed for the selection":
        return (f"Every requirement run passed, but the selection left out {missing}, which certification needs: "
                "this is not a certification.")
    if verdict == "interrupted":
        return "The run was stopped part-way" + (f"; never ran: {missing}." if missing else ".")
    if verdict == "not ready":
        return "The connector never became ready, so no scenario ran: every requirement is not run, none failed."
    if verdict == "nothing certified":
        return "Nothing selected is declared by the connector."
    if verdict == "passed for the shard":
        return ("Nothing this shard ran failed; it is one part of a certification: merge-reports on every shard's "
                "report gives the verdict.")
    return "A requirement that counts failed."


def _header(summary: dict[str, Any]) -> str:
    verdict = str(summary.get("verdict", "not certified"))
    connector = summary.get("connector") or {}
    manifest = connector.get("manifest") or {}
    counts = summary.get("counts") or {}
    who = " ".join(x for x in (connector.get("name"), connector.get("version")) if x) or "unnamed connector"
    if manifest.get("path"):
        declared = (f"{', '.join(manifest.get('profiles') or [])}; media {', '.join(manifest.get('media') or [])} "
                    f"<span class=small>({_e(manifest.get('origin'))}: {_e(manifest.get('path'))})</span>")
    else:
        declared = "no connector.yaml: every selected requirement was certified"
    selection = summary.get("selection") or {}
    chosen = ", ".join(selection.get("requirements") or []) or "all"
    rows = [
        ("Connector", f"<strong>{_e(who)}</strong>"),
        ("Command", f"<code>{_e(connector.get('command'))}</code>"),
        ("Declares", declared if manifest.get("path") else _e(declared)),
        ("Profile", f"{_e(summary.get('profile'))} ({_e(', '.join(summary.get('profiles') or []))})"),
        ("Selection", f"requirements: {_e(chosen)}" + (f"; -k {_e(selection['keyword'])}"
                                                        if selection.get("keyword") else "")),
        ("Media", _e(summary.get("media"))),
        ("Requirements", f"{counts.get('passed', 0)} passed, {counts.get('failed', 0)} failed, "
                         f"{counts.get('notRun', 0)} not run, {counts.get('notDeclared', 0)} not declared"),
        ("Harness", f"omni-harness {_e(summary.get('harnessVersion'))}; features "
                    f"<code>{_e(str(summary.get('featuresHash', ''))[:16])}</code>"),
        ("Generated", _e(summary.get("generatedAt"))),
    ]
    out = [f"<h1>Connector certification: {_e(who)}</h1>",
           f'<div class="verdict {_e(_status_class(verdict))}">{_e(banner(summary))}</div>',
           f"<p>{_e(_verdict_line(summary))}</p>",
           '<table class="meta">' + "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in rows) + "</table>"]
    if summary.get("startupError"):
        out.append("<h2>The connector was not ready</h2><pre>" + _e(summary["startupError"]) + "</pre>")
    notes = summary.get("notes") or []
    trace = summary.get("traceability") or {}
    if not trace.get("ok", True):
        notes = notes + ["The suite itself has traceability problems: " + "; ".join(trace.get("problems") or [])]
    if notes:
        out.append("<ul class=notes>" + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>")
    return "\n".join(out)


def _measurements(values: dict[str, Any]) -> str:
    parts = []
    for key, value in values.items():
        if isinstance(value, dict):
            inner = ", ".join(f"{k} {v}" for k, v in value.items())
            parts.append(f"{_e(key)}: {_e(inner)}")
        else:
            parts.append(f"{_e(key)}: {_e(value)}")
    return "<div class=small>" + "<br>".join(parts) + "</div>"


def _requirements(summary: dict[str, Any], anchors: dict[str, str]) -> str:
    """One table per medium the run certified: every requirement of the catalogue that applies to it."""
    verdicts = {r.get("key") or verdict_key(r["id"], r.get("medium") or "chat"): r
                for r in summary.get("requirements") or []}
    media = summary.get("media") or ["chat"]
    if isinstance(media, str):
        media = [media]
    cat = catalogue()
    out = []
    for medium in media:
        ids = [rid for rid, req in cat.items() if req.applies_to(medium)]
        ids += [r["id"] for r in verdicts.values() if r.get("medium", "chat") == medium and r["id"] not in ids]
        rows = [_requirement_row(rid, medium, cat.get(rid), verdicts.get(verdict_key(rid, medium)), summary, anchors)
                for rid in ids]
        heading = f"Requirements [{_e(medium)}]" if len(media) > 1 or medium != "chat" else "Requirements"
        out.append(f"<h2>{heading}</h2><table class=requirements><thead><tr><th>Id</th><th>Statement</th>"
                   "<th>Source (seed article)</th><th>Profile</th><th>Status</th><th>Duration</th><th>Scenarios</th>"
                   "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    return "".join(out)


def _requirement_row(rid: str, medium: str, req: Any, v: dict[str, Any] | None, summary: dict[str, Any],
                     anchors: dict[str, str]) -> str:
    key = verdict_key(rid, medium)
    status = v["verdict"] if v else "not selected"
    if not v and key in (summary.get("requiredNotRun") or []):
        status = "not selected (required)"
    statement = (v or {}).get("statement") or (req.statement if req else "")
    source = req.source if req else (v or {}).get("source", "")
    quote = f'<q class="quote">{_e(req.quote)}</q>' if req is not None and req.quote else ""
    scenarios = []
    for name in (v or {}).get("scenarios", []):
        anchor = anchors.get(f"{name} [{medium}]") or anchors.get(name)
        scenarios.append(f'<a href="#{anchor}">{_e(name)}</a>' if anchor else _e(name))
    extra = _measurements(v["measurements"]) if v and v.get("measurements") else ""
    required = "" if req is None or req.required else " <span class=small>(not required)</span>"
    if req is not None and req.guarantee:
        required += (f' <span class=small title="{_e(req.guarantee_reason)}">(platform-guaranteed: '
                     f"{_e(req.guarantee_reason)})</span>")
    return (f'<tr class="{_status_class(status)}" id="req-{_e(rid)}-{_e(medium)}"><td class=mono><strong>{_e(rid)}'
            f"</strong> <span class=small>[{_e(medium)}]</span></td>"
            f"<td>{_e(statement)}{required}{extra}</td><td>{_e(source)}{quote}</td>"
            f"<td>{_e(req.profile if req else (v or {}).get('profile', ''))}</td>"
            f'<td><span class="status {_status_class(status)}">{_e(STATUS_LABEL.get(status, status))}</span></td>'
            f"<td>{_seconds(v['duration']) if v else ''}</td><td class=small>{'<br>'.join(scenarios)}"
            f"{'<br>' + _e(v['reason']) if v and v.get('reason') else ''}</td></tr>")


def _named(text: str, names: dict[str, str]) -> str:
    """Escaped text with the scenario's ids shown by name (the id stays in the tooltip)."""
    out = _e(text)
    for ident, label in sorted(names.items(), key=lambda kv: -len(kv[0])):
        if ident and ident in out:
            out = out.replace(ident, f'<abbr title="{_e(ident)}">{_e(label)}</abbr>')
    return out


def _is_noise(entry: dict[str, Any], harness: set[str]) -> bool:
    """Reads by the harness's checks and the connector's streaming polls: true but not the story."""
    if entry.get("kind") != "request":
        return False
    data = entry.get("data") or {}
    path = str(data.get("path") or "")
    if entry.get("correlationId") in harness:  # a check polling: its answer is in the failure's "Seen"
        return data.get("method") == "GET" or bool(READ_METHOD.search(path))
    return "/cometd/" in path and int(data.get("status") or 0) < 400


def timeline_rows(entries: list[dict[str, Any]], record: dict[str, Any], limit: int = MAX_TIMELINE) -> tuple[str, int]:
    """The rows of one scenario's journal slice, one column per platform; answers (rows, entries left out)."""
    harness = set(record.get("harness_requests") or [])
    names = record.get("names") or {}
    story = [e for e in entries if not _is_noise(e, harness)]
    left_out = len(entries) - len(story)
    if len(story) > limit:
        tail = limit - HEAD_ROWS
        gap = len(story) - limit
        shown: list[dict[str, Any] | None] = story[:HEAD_ROWS] + [None] + story[-tail:]
        left_out += gap
    else:
        gap = 0
        shown = list(story)
    rows = []
    for entry in shown:
        if entry is None:
            rows.append(f'<tr class=gap><td colspan=4>... {gap} more entries (journal.ndjson has them all) ...</td></tr>')
            continue
        data = entry.get("data") or {}
        refused = entry.get("kind") == "request" and int(data.get("status") or 0) >= 400
        text = describe_what(entry, harness)
        cells = []
        for key, _ in PLATFORMS:
            cells.append(f'<td class="{key}">{_named(text, names)}</td>' if entry.get("source") == key
                         else f'<td class="{key}"></td>')
        time_ = str(entry.get("time", ""))[11:23]
        rows.append(f'<tr class="{"refused" if refused else entry.get("kind", "")}"><td class=seq>#{_e(entry.get("seq"))}'
                    f"</td><td class=time>{_e(time_)}</td>{''.join(cells)}</tr>")
    return "".join(rows), left_out


def _message(text: str) -> str:
    """The failure message without the journal slice it carries (the report shows its own timeline)."""
    head = text.split("\nJournal of this scenario", 1)[0].strip()
    head = EXCEPTION_PREFIX.sub("", head, count=1)
    return head if len(head) <= MAX_MESSAGE else head[:MAX_MESSAGE] + " ..."


def _failure(index: int, scenario: dict[str, Any], entries: list[dict[str, Any]]) -> str:
    record = scenario.get("record") or {}
    mine = [e for e in entries if scenario.get("nodeid") in (e.get("scenarios") or [])]
    rows, left_out = timeline_rows(mine, record)
    agents = record.get("agents") or {}
    step = scenario.get("failed_step") or "(before the first step: set-up or clean-up)"
    expectation = scenario.get("expectation") or "(the step does not say)"
    seen = scenario.get("seen") or "(the step does not say)"
    ids = ", ".join(scenario.get("requirements") or [])
    facts = [("Requirement", f'<span class=mono>{_e(ids)}</span>'), ("Outcome", _e(scenario.get("outcome"))),
             ("Step", f"<strong>{_e(step)}</strong>"), ("Expected", _e(expectation)),
             ("Seen", f"<strong>{_e(seen)}</strong>"),
             ("Agents", "<br>".join(f"{_e(role)}: {_e(who)}" for role, who in agents.items()) or "-"),
             ("Queues", "<br>".join(_e(q) for q in record.get("queues") or []) or "-")]
    parts = [f'<section class=failure id="failure-{index}">',
             f"<h3>{_e(ids)} &middot; {_e(scenario.get('feature'))}: {_e(scenario.get('name'))}</h3>",
             '<dl class=facts>' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>",
             "<pre>" + _e(_message(scenario.get("message") or "")) + "</pre>"]
    if record.get("cleanup"):
        parts.append("<div class=small>Clean-up: " + "; ".join(_e(n) for n in record["cleanup"]) + "</div>")
    if rows:
        parts.append(f"<h3>What both platforms saw ({len(mine)} journal entries"
                     + (f"; {left_out} reads, polls or middle entries not shown" if left_out else "") + ")</h3>")
        parts.append("<table class=timeline><thead><tr><th>#</th><th>Time</th>"
                     + "".join(f"<th>{label}</th>" for _, label in PLATFORMS) + f"</tr></thead><tbody>{rows}</tbody>"
                     "</table>")
    else:
        parts.append("<p class=small>The journal holds nothing for this scenario.</p>")
    parts.append("</section>")
    return "\n".join(parts)


def _causes(summary: dict[str, Any], scenarios: list[dict[str, Any]]) -> str:
    """Root causes first: what several scenarios failed on (or the readiness gap), once, with what it took down."""
    not_ready = [r["id"] for r in summary.get("requirements") or [] if r.get("verdict") == "not run"]
    causes = [c for c in group(scenarios, summary.get("startupError"), not_ready) if c.shared]
    if not causes:
        return ""
    blocks = []
    for c in causes:
        what = ("The connector was never ready" if c.readiness
                else f"{len(c.scenarios)} scenarios stopped at <strong>{_e(c.step)}</strong>")
        facts = [("Took down", f"<span class=mono>{_e(', '.join(c.requirements))}</span>")]
        if c.message:
            facts.append(("Seen", _e(c.message)))
        if c.call:
            facts.append(("Expected call" if not c.readiness else "Missing", _e(c.call)))
        if c.scenarios:
            facts.append(("Scenarios", "<br>".join(_e(n) for n in c.scenarios)))
        blocks.append(f"<section class=cause><h3>{what}</h3><dl class=facts>"
                      + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl></section>")
    return f"<h2>Root causes ({len(causes)})</h2>" + "\n".join(blocks)


def _failures(failed: list[dict[str, Any]], entries: list[dict[str, Any]]) -> str:
    if not failed:
        return "<h2>Failures</h2><p>None.</p>"
    blocks = [_failure(i, s, entries) for i, s in enumerate(failed, 1)]
    return f"<h2>Failures ({len(failed)})</h2>" + "\n".join(blocks)


def _body(value: Any) -> str:
    import json

    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return text if len(text) <= MAX_BODY else text[:MAX_BODY] + " ..."


def _warnings(summary: dict[str, Any], names: dict[str, str], titles: dict[str, str]) -> str:
    head = ("<h2>Warnings: requests of the connector a platform refused</h2><p class=small>A connector that only "
            "passes because a platform refused its mistake (a duplicate work item, a forbidden transfer) shows here. "
            "Refusals a scenario injected on purpose are listed apart, below.</p>")
    injected = ("<h2>Injected refusals: answers to fault rules the scenarios added</h2><p class=small>Each names "
                "the rule that answered it or caused it (a 429 it answered, the 401 of a token it expired); they are "
                "the resilience scenarios' evidence, not warnings.</p>")
    return (_refusals(head, summary.get("warnings") or [], names, titles) + "\n"
            + _refusals(injected, summary.get("injectedRefusals") or [], names, titles))


def _refusals(head: str, warnings: list[dict[str, Any]], names: dict[str, str], titles: dict[str, str]) -> str:
    if not warnings:
        return head + "<p>None.</p>"
    rows = []
    for w in warnings[:MAX_WARNINGS]:
        flags = []
        if w.get("injectedFault"):
            flags.append(f"injected fault {w['injectedFault']}")
        if w.get("duringCleanup"):
            flags.append("during clean-up")
        rows.append(f"<tr><td class=mono>#{_e(w.get('seq'))}</td><td>{_e(str(w.get('time', ''))[11:23])}</td>"
                    f"<td>{_e(w.get('platform'))}</td><td class=mono>{_e(w.get('method'))} {_named(w.get('path') or '', names)}"
                    f"</td><td><strong>{_e(w.get('status'))}</strong></td><td class=mono>{_e(_body(w.get('response')))}</td>"
                    f"<td class=small>{'<br>'.join(_e(titles.get(n, n)) for n in w.get('scenarios') or [])}</td>"
                    f"<td class=small>{_e(', '.join(flags))}</td></tr>")
    more = (f"<p class=small>{len(warnings) - MAX_WARNINGS} more in summary.json.</p>"
            if len(warnings) > MAX_WARNINGS else "")
    return (head + "<table class=warnings><thead><tr><th>#</th><th>Time</th><th>Platform</th><th>Request</th>"
            "<th>Status</th><th>Response</th><th>Scenario</th><th></th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>" + more)


def render(summary: dict[str, Any], scenarios: list[dict[str, Any]], entries: list[dict[str, Any]]) -> str:
    """The whole report as one HTML document."""
    failed = [s for s in scenarios if s.get("outcome") in ("failed", "error")]
    anchors: dict[str, str] = {}  # scenario name -> its failure's anchor
    for i, s in enumerate(failed, 1):
        anchors.setdefault(f"{s.get('name') or s.get('nodeid')} [{s.get('medium') or 'chat'}]", f"failure-{i}")
    names: dict[str, str] = {}
    for s in scenarios:
        names.update((s.get("record") or {}).get("names") or {})
    connector = summary.get("connector") or {}
    title = " ".join(x for x in (connector.get("name"), connector.get("version")) if x) or "connector"
    word = banner(summary).lower()
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>omni-harness: {_e(title)} {word}</title>",
        f"<style>{CSS}</style></head><body>",
        _header(summary),
        _causes(summary, scenarios),
        _requirements(summary, anchors),
        _failures(failed, entries),
        _warnings(summary, names, {s.get("nodeid", ""): s.get("name", "") for s in scenarios}),
        "<p class=small>The artefacts beside this file: " + ", ".join(_e(a) for a in summary.get("artefacts") or [])
        + ". journal.ndjson holds every request and event, tagged with the scenarios it concerns.</p>",
        "</body></html>",
    ])
