"""`omni-harness merge-reports`: two shards of a certification, merged, give the verdicts of one unsharded run (the
reference connector and a broken one), the merged summary.json passes the report schema, and folders that are not
shards of one run are refused."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest

from omni_harness.harness.merge import MergeError, merge_reports

REPO = Path(__file__).resolve().parents[2]
CERTIFY_LIMIT = 240.0


@dataclass
class Run:
    report_dir: Path
    exit_code: int
    output: str

    @property
    def summary(self) -> dict:
        return json.loads((self.report_dir / "summary.json").read_text())


def _start(report_dir: Path, *args: str) -> subprocess.Popen:
    """`omni-harness certify` in a child process, as a user (or a CI job) runs it."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    for key in ("PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST"):
        env.pop(key, None)
    report_dir.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([sys.executable, "-m", "omni_harness.harness.cli", "certify", "--report-dir", str(report_dir), *args],
                            cwd=str(report_dir.parent), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _finish(proc: subprocess.Popen, report_dir: Path) -> Run:
    try:
        output, _ = proc.communicate(timeout=CERTIFY_LIMIT)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)  # certify stops its connector and fakes on an interrupt
        output, _ = proc.communicate(timeout=30)
        pytest.fail(f"certify ran longer than {CERTIFY_LIMIT:.0f} s:\n{output}")
    return Run(report_dir, proc.returncode, output)

CORE_CHAT = ("--profile", "core", "--media", "chat", "--workers", "1")
# The broken connector on a few requirements, END-1 (the one it fails) among them: its failure is what is compared.
BROKEN = ("--connector", f"{sys.executable} -m omni_harness.connectors.broken.ignores_client_disconnect", "--timeout", "4",
          "-r", "PRES-1", "-r", "PICK-1", "-r", "END-1", "-r", "WRAP-1")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """`certify --profile core --media chat` of the reference connector whole and as shards 1/2 and 2/2, and the
    same of a broken connector; all started together (each on its own ports and report folder)."""
    root = tmp_path_factory.mktemp("shards")
    started: dict[str, subprocess.Popen] = {}
    for prefix, extra in (("reference", ()), ("broken", BROKEN)):
        started[f"{prefix}-whole"] = _start(root / f"{prefix}-whole", *CORE_CHAT, *extra)
        for i in (1, 2):
            started[f"{prefix}-{i}"] = _start(root / f"{prefix}-{i}", *CORE_CHAT, *extra, "--shard", f"{i}/2")
    return {name: _finish(proc, root / name) for name, proc in started.items()}


def _verdicts(summary: dict) -> dict[str, str]:
    return {r["key"]: r["verdict"] for r in summary["requirements"]}


def _schema() -> dict:
    return json.loads((REPO / "contracts" / "report.schema.json").read_text())


def _merge(runs: dict[str, Run], prefix: str, out: Path, capsys) -> tuple[int, dict, str]:
    from omni_harness.harness.cli import main

    code = main(["merge-reports", str(runs[f"{prefix}-1"].report_dir), str(runs[f"{prefix}-2"].report_dir),
                 "--report-dir", str(out)])
    return code, json.loads((out / "summary.json").read_text()), capsys.readouterr().out


@pytest.mark.parametrize("prefix", ["reference", "broken"])
def test_two_shards_merged_give_the_verdicts_of_one_run(runs, prefix, tmp_path, capsys):
    whole = runs[f"{prefix}-whole"]
    shards = [runs[f"{prefix}-{i}"] for i in (1, 2)]
    for i, shard in enumerate(shards, 1):
        s = shard.summary
        assert s["shard"]["index"] == i and s["shard"]["total"] == 2, shard.output
        assert s["verdict"] != "certified" and f"(shard {i}/2)" in shard.output
        jsonschema.validate(s, _schema())
    # Each shard ran part of the scenarios, together all of them, none twice.
    names = [[x["name"] for x in json.loads((s.report_dir / "scenarios.json").read_text())] for s in shards]
    assert names[0] and names[1] and not set(names[0]) & set(names[1])
    whole_names = [x["name"] for x in json.loads((whole.report_dir / "scenarios.json").read_text())]
    assert sorted(names[0] + names[1]) == sorted(whole_names)

    code, merged, output = _merge(runs, prefix, tmp_path / "merged", capsys)
    jsonschema.validate(merged, _schema())
    assert _verdicts(merged) == _verdicts(whole.summary)
    assert merged["verdict"] == whole.summary["verdict"]
    assert merged["requiredNotRun"] == whole.summary["requiredNotRun"]
    assert merged["counts"] == whole.summary["counts"] and merged["mediaVerdicts"] == whole.summary["mediaVerdicts"]
    assert code == whole.exit_code
    assert merged["merged"] == {"total": 2, "missing": [], "empty": [], "shards": [
        {"index": i, "reportDir": str(runs[f"{prefix}-{i}"].report_dir), "verdict": runs[f"{prefix}-{i}"].summary[
            "verdict"]} for i in (1, 2)]}
    assert "shard" not in merged
    cases = list(ET.parse(tmp_path / "merged" / "junit.xml").getroot().iter("testcase"))
    assert len(cases) == len(whole_names)
    html = (tmp_path / "merged" / "report.html").read_text()
    assert merged["verdict"].upper() in html
    if prefix == "reference":
        assert whole.exit_code == 3 and merged["verdict"] == "passed for the selection"  # core of all it declares
        assert all(s.exit_code == 0 for s in shards) and all(s.summary["verdict"] == "passed for the shard"
                                                             for s in shards)
    else:
        failing = sorted(k for k, v in _verdicts(merged).items() if v == "failed")
        assert failing == ["END-1 [chat]"] and merged["verdict"] == "not certified" and code == 1
        assert "NOT CERTIFIED" in output


def test_a_missing_shard_leaves_its_requirements_not_run_and_names_it(runs, tmp_path, capsys):
    from omni_harness.harness.cli import main

    code = main(["merge-reports", str(runs["reference-1"].report_dir), "--report-dir", str(tmp_path / "m")])
    merged = json.loads((tmp_path / "m" / "summary.json").read_text())
    jsonschema.validate(merged, _schema())
    assert merged["merged"]["missing"] == [2] and merged["verdict"] == "passed for the selection" and code == 3
    assert any("shard 2/2" in note for note in merged["notes"])
    assert "shard 2/2: MISSING" in capsys.readouterr().out
    shard2 = {r["key"] for r in runs["reference-2"].summary["requirements"]}
    for r in merged["requirements"]:
        if r["key"] in shard2:  # a requirement with a scenario in the missing shard did not run whole
            assert r["verdict"] == "not run" and "shard 2/2" in r["reason"], r
    assert shard2 <= set(merged["requiredNotRun"])


def test_folders_that_are_not_shards_of_one_run_are_refused(runs, tmp_path, capsys):
    from omni_harness.harness.cli import main

    ref1, ref2 = runs["reference-1"].report_dir, runs["reference-2"].report_dir
    with pytest.raises(MergeError, match="both shard 1/2"):
        merge_reports([ref1, ref1], tmp_path / "a")
    with pytest.raises(MergeError, match="connector differs"):
        merge_reports([ref1, runs["broken-2"].report_dir], tmp_path / "b")
    with pytest.raises(MergeError, match="whole run's report, not a shard's"):
        merge_reports([ref1, runs["reference-whole"].report_dir], tmp_path / "c")
    stray = tmp_path / "stray"  # a folder that holds something, but no report (an empty one is an empty shard's)
    stray.mkdir()
    (stray / "notes.txt").write_text("not a report\n")
    with pytest.raises(MergeError, match="no summary.json"):
        merge_reports([ref1, stray], tmp_path / "d")
    # A shard of another split (another N, another selection) is refused too.
    for key, value, says in (("shard", {"total": 3}, "shards of one run share N"),
                             ("selection", {"requirements": ["PRES-1"], "keyword": None}, "selection differs")):
        other = tmp_path / f"other-{key}"
        shutil.copytree(ref2, other)
        summary = json.loads((other / "summary.json").read_text())
        summary[key] = {**summary[key], **value} if key == "shard" else value
        (other / "summary.json").write_text(json.dumps(summary))
        with pytest.raises(MergeError, match=says):
            merge_reports([ref1, other], tmp_path / f"e-{key}")
    assert main(["merge-reports", str(ref1), str(ref1), "--report-dir", str(tmp_path / "f")]) == 2
    assert "merge-reports:" in capsys.readouterr().err
    with pytest.raises(MergeError, match="one of the shards' folders"):
        merge_reports([ref1, ref2], ref1)
