"""Feature files: transfer."""
