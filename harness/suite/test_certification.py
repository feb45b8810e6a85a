"""Binds every scenario of the installed feature files to pytest; the steps come from `omni_harness.harness.plugin`."""

from pytest_bdd import scenarios

from omni_harness.harness.features import features_root

scenarios(str(features_root()))
