"""Step definitions in the agent's language of the seed article; each checks both platforms behind it.

The modules are loaded as pytest plugins by `omni_harness.harness.plugin`, so any test module that calls
`pytest_bdd.scenarios(...)` on the feature files finds them.
"""
