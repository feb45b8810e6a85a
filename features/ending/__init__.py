"""Feature files: ending."""
