"""The connector manifest: its format (compatible with the negative controls'), where it is found, what it declares."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from omni_harness.harness.manifest import ManifestError, ManifestOrigin, candidate_folders, find, load, resolve
from omni_harness.harness.requirements import Profile, catalogue
from omni_harness.harness.results import Results, Verdict, certified
from omni_harness.harness.selection import not_declared_reason

REPO = Path(__file__).resolve().parents[2]
GOOD = "name: acme\nversion: 2\ncommand: python -m acme\nprofiles: [core, extended]\nmedia: [chat]\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_every_bundled_manifest_loads():
    paths = sorted((REPO / "connectors").glob("*/connector.yaml")) + sorted((REPO / "connectors").glob("*/*/connector.yaml"))
    assert {p.parent.name for p in paths} >= {"reference", "idle"}
    for path in paths:
        m = load(path)
        assert m.name and m.version and m.command.startswith("python -m omni_harness.connectors.")
        assert m.media and set(m.media) <= {"chat", "messaging"} and m.profiles
    reference = load(REPO / "connectors" / "reference" / "connector.yaml")
    assert set(reference.profiles) == set(Profile)  # it claims everything the suite certifies, and passes it
    assert reference.media == ("chat", "messaging")


def test_extra_keys_such_as_a_negative_controls_are_kept(tmp_path: Path):
    m = load(write(tmp_path / "connector.yaml", GOOD + "defect: x\nmustFail: [END-1]\nsuiteGaps: {END-1: why}\n"))
    assert m.version == "2" and m.profiles == (Profile.CORE, Profile.EXTENDED)
    assert m.extra == {"defect": "x", "mustFail": ["END-1"], "suiteGaps": {"END-1": "why"}}
    assert m.argv()[0] == sys.executable and m.argv()[1:] == ["-m", "acme"]


@pytest.mark.parametrize("text, message", [
    ("name: a\nversion: 1\nprofiles: [core]\n", "`media` must be a non-empty list"),
    ("version: 1\nprofiles: [core]\nmedia: [chat]\n", "`name` is missing"),
    ("name: a\nversion: 1\nprofiles: [gold]\nmedia: [chat]\n", "unknown profile 'gold'"),
    ("name: a\nversion: 1\nprofiles: [core]\nmedia: [voice]\n", "unknown media"),
    ("name: a\nversion: [1\n", "not valid YAML"),
    ("- just a list\n", "expected a mapping"),
])
def test_a_bad_manifest_is_refused_with_its_file_named(tmp_path: Path, text: str, message: str):
    path = write(tmp_path / "connector.yaml", text)
    with pytest.raises(ManifestError, match=message) as exc:
        load(path)
    assert str(path) in str(exc.value)


def test_found_beside_a_module_connector():
    lookup = find([sys.executable, "-m", "omni_harness.connectors.reference"])
    assert lookup.origin is ManifestOrigin.FOUND
    assert lookup.manifest is not None and lookup.manifest.path == REPO / "connectors" / "reference" / "connector.yaml"
    assert find([sys.executable, "-m", "omni_harness.connectors.idle"]).manifest.name == "omni-harness-idle-connector"


def test_found_beside_a_script_or_a_folder(tmp_path: Path):
    script = write(tmp_path / "conn" / "index.js", "// a connector\n")
    write(tmp_path / "conn" / "connector.yaml", GOOD)
    assert find(["node", str(script)]).manifest.name == "acme"
    assert find(["node", "conn/index.js"], cwd=tmp_path).manifest.name == "acme"
    assert find([str(tmp_path / "conn" / "index.js")]).manifest.name == "acme"
    assert find([sys.executable, str(tmp_path / "conn")]).manifest.name == "acme"
    assert candidate_folders([sys.executable, "-u", str(script)]) == [script.parent.resolve()]


def test_a_missing_manifest_is_reported_and_everything_asked_is_certified(tmp_path: Path):
    script = write(tmp_path / "bare" / "run.sh", "#!/bin/sh\n")
    lookup = find(["sh", str(script)])
    assert lookup.origin is ManifestOrigin.MISSING and lookup.manifest is None
    assert lookup.searched == (str(script.parent.resolve() / "connector.yaml"),)
    assert "No connector.yaml beside the connector" in lookup.note and str(script.parent.resolve()) in lookup.note
    assert all(lookup.declares(r) for r in catalogue().values())
    assert not_declared_reason(lookup, ["RES-6"]) is None


def test_a_given_manifest_wins_and_must_exist(tmp_path: Path):
    given = write(tmp_path / "elsewhere.yaml", GOOD)
    lookup = resolve([sys.executable, "-m", "omni_harness.connectors.reference"], given)
    assert lookup.origin is ManifestOrigin.GIVEN and lookup.manifest.name == "acme"
    with pytest.raises(ManifestError, match="cannot read"):
        resolve([sys.executable, "-m", "omni_harness.connectors.reference"], tmp_path / "nowhere.yaml")


def test_what_a_manifest_does_not_declare_is_not_declared(tmp_path: Path):
    lookup = resolve(["x"], write(tmp_path / "connector.yaml", GOOD))
    cat = catalogue()
    assert lookup.declares(cat["PRES-1"]) and lookup.declares(cat["XFER-4"])
    assert not lookup.declares(cat["RES-1"]) and not lookup.declares(cat["SCALE-1"])
    reason = not_declared_reason(lookup, ["RES-1"])
    assert reason and reason.startswith("not declared: RES-1 (resilience)") and "acme 2" in reason
    assert not_declared_reason(lookup, ["END-1"]) is None
    messaging = resolve(["x"], write(tmp_path / "m.yaml", GOOD.replace("[chat]", "[messaging]")))
    assert not messaging.declares(cat["PRES-1"])  # the suite certifies chat


def _report(nodeid: str, when: str, outcome: str, requirements: str, extra=()):
    return SimpleNamespace(nodeid=nodeid, when=when, outcome=outcome, passed=outcome == "passed",
                           failed=outcome == "failed", skipped=outcome == "skipped", duration=0.1, longrepr=None,
                           user_properties=[("requirements", requirements), ("scenario", nodeid),
                                            ("feature", "f"), ("profile", "x"), *extra])


def test_a_not_declared_requirement_never_passes_and_does_not_count():
    results = Results()
    for when in ("setup", "call", "teardown"):
        results.add(_report("a", when, "passed", "PRES-1"))
    reason = ("not_declared", "not declared: RES-1 ...")
    results.add(_report("b", "setup", "skipped", "RES-1", [reason]))
    results.add(_report("b", "teardown", "passed", "RES-1", [reason]))
    verdicts = results.verdicts()
    assert verdicts["RES-1 [chat]"].verdict is Verdict.NOT_DECLARED and not verdicts["RES-1 [chat]"].counts
    assert verdicts["PRES-1 [chat]"].verdict is Verdict.PASSED
    assert certified(verdicts) and results.passed
    only_undeclared = {"RES-1 [chat]": verdicts["RES-1 [chat]"]}
    assert not certified(only_undeclared)  # nothing was certified


def test_a_requirement_not_required_is_reported_but_does_not_fail_the_certification():
    results = Results()
    for when, outcome in (("setup", "passed"), ("call", "failed"), ("teardown", "passed")):
        results.add(_report("a", when, outcome, "SCALE-1"))
    for when in ("setup", "call", "teardown"):
        results.add(_report("b", when, "passed", "PRES-1"))
    verdicts = results.verdicts()
    assert verdicts["SCALE-1 [chat]"].verdict is Verdict.FAILED and not certified(verdicts)
    verdicts["SCALE-1 [chat]"].required = False
    assert certified(verdicts)
