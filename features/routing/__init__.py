"""Feature files: routing."""
