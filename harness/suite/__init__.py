"""The test module pytest runs for `omni-harness certify`: every feature file, bound to the harness's steps."""
