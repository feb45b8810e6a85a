"""Feature files: accept."""
