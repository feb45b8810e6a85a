"""Feature files: wrapup."""
