"""The report folder of `omni-harness certify`: all artefacts, each readable by its standard tool.

One certification of the reference connector (it passes) and one of the idle connector (it fails, and one of its
requirements is outside what it declares) run once for the module, side by side.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from omni_harness.harness.reports import ARTEFACTS, schema_path
from omni_harness.harness.requirements import catalogue

REPO = Path(__file__).resolve().parents[2]

SIX = ("junit.xml", "cucumber.json", "summary.json", "report.html", "journal.ndjson", "connector.log")
NETWORK = re.compile(r"(?:https?:)?//", re.I)


@pytest.fixture(scope="module")
def reference(certifications):
    run = certifications["reference"]
    assert (run.report_dir / "summary.json").exists(), run.output
    return run


@pytest.fixture(scope="module")
def idle(certifications):
    run = certifications["idle"]
    assert (run.report_dir / "summary.json").exists(), run.output
    assert run.summary["startupError"] is None, run.output  # it was ready: it authenticated and subscribed
    return run


def validator() -> Draft202012Validator:
    schema = json.loads(schema_path().read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


class Page(HTMLParser):
    """report.html as structure: tags with attributes, text, and the style sheet."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)

    @property
    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


def page(run) -> Page:
    p = Page()
    p.feed((run.report_dir / "report.html").read_text())
    p.close()
    return p


def test_the_reference_connector_passes_and_writes_every_artefact(reference):
    # Three requirements of the 25 it declares: they pass, but that is no certification.
    assert reference.exit_code == 3, reference.output
    assert reference.verdicts() == {"PRES-1": "passed", "WRAP-2": "passed", "XFER-1": "passed"}
    for name in SIX + ("scenarios.json",):
        path = reference.report_dir / name
        assert path.is_file() and path.stat().st_size > 0, f"{name} is missing or empty"
    assert set(reference.summary["artefacts"]) == set(ARTEFACTS)
    assert "PASSED FOR THE SELECTION: 3 of 3" in reference.output and "report.html" in reference.output
    assert "\nCERTIFIED" not in reference.output


@pytest.mark.parametrize("which", ["reference", "idle"])
def test_summary_validates_against_its_schema(reference, idle, which):
    summary = {"reference": reference, "idle": idle}[which].summary
    errors = sorted(validator().iter_errors(summary), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_summary_says_who_was_certified_against_what(reference):
    s = reference.summary
    assert re.fullmatch(r"[0-9a-f]{64}", s["featuresHash"])
    assert s["harnessVersion"] and s["media"] == ["chat"] and s["profile"] == "declared"
    assert s["profiles"] == ["core", "extended", "resilience", "scale"]  # what its connector.yaml declares
    connector = s["connector"]
    assert connector["command"].endswith("-m omni_harness.connectors.reference")
    assert connector["name"] == "omni-harness-reference-connector" and connector["version"] == "0.1.0"
    assert connector["manifest"]["origin"] == "found"
    assert connector["manifest"]["path"].endswith("connectors/reference/connector.yaml")
    assert s["verdict"] == "passed for the selection" and s["counts"] == {"passed": 3, "failed": 0, "notRun": 0, "notDeclared": 0}
    assert s["selection"]["requirements"] == ["PRES-1", "WRAP-2", "XFER-1"]
    needed = s["requiredNotRun"]
    assert "PICK-2 [chat]" in needed and "RES-1 [chat]" in needed and "PRES-1 [chat]" not in needed
    assert "PRES-1 [messaging]" in needed  # it declares messaging too, which this chat run left out
    assert s["interruptedBy"] is None and s["injectedRefusals"] == []
    assert s["traceability"] == {"ok": True, "problems": []}
    by_id = {r["id"]: r for r in s["requirements"]}
    assert by_id["WRAP-2"]["source"] == "step 5" and len(by_id["WRAP-2"]["scenarios"]) == 2
    assert s["warnings"] == []  # the reference connector makes no request a platform refuses


def test_junit_has_a_testcase_per_scenario(reference, idle):
    for run in (reference, idle):
        root = ET.parse(run.report_dir / "junit.xml").getroot()
        cases = list(root.iter("testcase"))
        scenarios = json.loads((run.report_dir / "scenarios.json").read_text())
        assert len(cases) == len(scenarios) > 0
        named = {(c.get("classname"), c.get("name")) for c in cases}
        for s in scenarios:
            assert (s["feature"], f"[{','.join(s['requirements'])}] {s['name']} [{s['medium']}]") in named
        for case in cases:
            props = {p.get("name") for p in case.iter("property")}
            assert {"requirements", "profile", "scenario", "feature"} <= props
            assert "omni_record" not in props  # what only the controller needs stays out
    idle_cases = {c.get("name"): c for c in ET.parse(idle.report_dir / "junit.xml").getroot().iter("testcase")}
    assert any(c.find("failure") is not None for c in idle_cases.values())
    skipped = [c for c in idle_cases.values() if c.find("skipped") is not None]
    assert [c.get("name") for c in skipped] == ["[RES-6] Events delivered twice create no duplicate work item [chat]"]
    assert "not declared" in skipped[0].find("skipped").get("message", "")


def test_cucumber_json_is_the_cucumber_format(reference):
    features = json.loads((reference.report_dir / "cucumber.json").read_text())
    assert isinstance(features, list) and features
    scenarios = 0
    for feature in features:
        assert {"keyword", "uri", "name", "elements"} <= set(feature)
        for element in feature["elements"]:
            scenarios += 1
            assert element["keyword"] == "Scenario" and element["name"] and element["steps"]
            assert {t["name"] for t in element["tags"]} & {"core", "extended"}
            for step in element["steps"]:
                assert step["keyword"] in ("Given", "When", "Then", "And", "But")
                assert step["result"]["status"] in ("passed", "failed", "skipped")
    assert scenarios == 5  # PRES-1 and WRAP-2: two scenarios each, XFER-1: one


def test_journal_has_every_request_and_event_tagged_by_scenario(reference):
    entries = [json.loads(line) for line in (reference.report_dir / "journal.ndjson").read_text().splitlines()]
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))  # nothing left out
    assert {e["kind"] for e in entries} == {"request", "event"}
    assert all(isinstance(e["scenarios"], list) for e in entries)
    nodeids = {s["nodeid"] for s in json.loads((reference.report_dir / "scenarios.json").read_text())}
    tagged = {n for e in entries for n in e["scenarios"]}
    assert tagged == nodeids


def test_connector_log_holds_the_connectors_output(reference):
    log = (reference.report_dir / "connector.log").read_text()
    assert "omni-harness: start #1" in log and "stopped, exit status" in log


def test_report_html_is_self_contained_and_shows_every_requirement(reference, idle):
    for run in (reference, idle):
        html = (run.report_dir / "report.html").read_text()
        p = page(run)
        assert [t for t, _ in p.tags].count("html") == 1 and any(t == "style" for t, _ in p.tags)
        for tag, attrs in p.tags:
            assert tag not in ("script", "link", "img", "iframe", "object", "embed"), f"<{tag}> in report.html"
            for name in ("src", "srcset", "href", "action", "data"):
                value = attrs.get(name) or ""
                assert not NETWORK.match(value.strip()), f"<{tag} {name}={value!r}> reaches the network"
            assert not NETWORK.search(attrs.get("style") or "")
        css = " ".join(p.styles)
        assert "url(" not in css and "@import" not in css and "@font-face" not in css
        assert "@media print" in css
        for rid, req in catalogue().items():
            if any(req.applies_to(m) for m in run.summary["media"]):
                assert rid in p.words, f"{rid} is not in report.html"
        assert len(html) < 600_000
    ref = page(reference)
    assert "PASSED FOR THE SELECTION" in ref.words and "CERTIFIED" not in ref.words
    assert "omni-harness-reference-connector 0.1.0" in ref.words
    assert "Failures None." in ref.words


def test_report_html_shows_each_failure_with_its_evidence(idle):
    assert idle.exit_code == 1, idle.output
    p = page(idle)
    words = p.words
    assert "NOT CERTIFIED" in words
    scenarios = json.loads((idle.report_dir / "scenarios.json").read_text())
    failed = [s for s in scenarios if s["outcome"] in ("failed", "error")]
    assert {r for s in failed for r in s["requirements"]} == {"PRES-1", "END-1"}, idle.output
    sections = [a.get("id") for t, a in p.tags if t == "section"]
    assert sections == [f"failure-{i}" for i in range(1, len(failed) + 1)]
    for s in failed:
        assert s["failed_step"] and s["expectation"] and s["seen"]
        assert s["failed_step"] in words  # the step
        assert s["expectation"] in words  # what it waited for
        assert s["seen"] in words  # the state it saw instead
    assert "Omni-Channel status of Alice" in words and "logged out in the console" in words
    # The journal slice as a timeline, one column per platform.
    assert words.count("What both platforms saw") == len(failed)
    headers = [" ".join(x.split()) for x in re.findall(r"<th>([^<]*)</th>",
                                                      (idle.report_dir / "report.html").read_text())]
    assert headers.count("Genesys Cloud") == headers.count("Salesforce") == len(failed)
    assert "user.presence" in words
    # Ids read as the scenario's names, with the id kept in the tooltip.
    assert "PATCH /api/v2/users/ Alice /presences" in words
    assert any(t == "abbr" and re.fullmatch(r"[0-9a-f-]{36}", a.get("title") or "") for t, a in p.tags)


def test_a_requirement_the_connector_does_not_declare_is_not_declared_never_passed(idle):
    s = idle.summary
    assert idle.verdicts() == {"PRES-1": "failed", "END-1": "failed", "RES-6": "not declared"}, idle.output
    assert s["counts"] == {"passed": 0, "failed": 2, "notRun": 0, "notDeclared": 1}
    assert s["connector"]["manifest"]["profiles"] == ["core", "extended"]
    assert any("Not declared by the connector" in n and "RES-6" in n for n in s["notes"])
    row = next(a for t, a in page(idle).tags if t == "tr" and a.get("id") == "req-RES-6-chat")
    assert "not-declared" in (row.get("class") or "")
    assert "n/d   RES-6" in idle.output


def test_a_manifest_that_is_not_there_is_a_usage_error(tmp_path: Path):
    proc = subprocess.run([sys.executable, "-m", "omni_harness.harness.cli", "certify", "--manifest", str(tmp_path / "nowhere.yaml"),
                           "--report-dir", str(tmp_path / "r")], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "nowhere.yaml" in proc.stderr and "cannot read the connector manifest" in proc.stderr
    assert not (tmp_path / "r").exists()  # nothing started
