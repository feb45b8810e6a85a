"""Two certifications on one machine at once: their own ports, run folders and report folders; no interference."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor


def test_two_certifications_run_side_by_side(tmp_path, certify_run):
    runs = {"a": tmp_path / "a", "b": tmp_path / "b"}
    with ThreadPoolExecutor(2) as pool:
        futures = {name: pool.submit(certify_run, path, "-r", "PRES-1", "--workers", "1")
                   for name, path in runs.items()}
        results = {name: f.result() for name, f in futures.items()}
    for name, run in results.items():
        assert run.exit_code == 3, run.output  # passed for the selection: one requirement is no certification
        assert run.verdicts() == {"PRES-1": "passed"}
        assert (runs[name] / "connector.log").read_text()
    logs = [(runs[n] / "journal.ndjson").read_text() for n in runs]
    assert logs[0] != logs[1]  # each run journaled its own world
