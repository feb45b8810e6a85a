"""Feature files: scale."""
