"""Feature files: pickup."""
