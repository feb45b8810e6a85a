"""Gherkin features of the certification suite, one folder per capability; tags carry requirement ids and profiles."""
