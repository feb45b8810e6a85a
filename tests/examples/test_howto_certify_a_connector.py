"""How to certify a connector from Python: `omni_harness.harness.certify.certify(...)`, narrowed to some requirements.

`connector=None` certifies the bundled reference connector; give your own command line instead. The per-requirement
verdicts are in `outcome.results.verdicts()`, the reports in `report_dir`.
"""

from omni_harness.harness.certify import certify
from omni_harness.harness.results import Verdict


def test_certify_the_reference_connector_for_one_requirement(tmp_path):
    # `media="messaging"` (or "chat", "all") chooses the media; by default, what the connector declares (both, for the
    # reference connector). Every verdict is a requirement on one medium: "PRES-1 [messaging]".
    outcome = certify(connector=None, requirements=["PRES-1"], report_dir=tmp_path / "report", workers=1,
                      media="messaging")
    verdicts = outcome.results.verdicts()
    assert outcome.startup_error is None
    assert verdicts["PRES-1 [messaging]"].verdict is Verdict.PASSED
    assert (tmp_path / "report" / "summary.json").exists()
