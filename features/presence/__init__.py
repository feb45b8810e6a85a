"""Feature files: presence."""
