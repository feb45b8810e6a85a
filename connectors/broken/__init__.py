"""Negative controls: the reference connector with one realistic mistake each, to show the suite catches it.

Each package here (`python -m connectors.broken.<name>`) swaps one part of `omni_harness.connectors.reference` for a subclass
that gets one behaviour wrong, and declares in its `connector.yaml` (`mustFail`) exactly the requirements whose
scenarios must fail. `python -m omni_harness.connectors.broken.table` certifies them all and prints the sensitivity table.
"""
