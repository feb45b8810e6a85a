"""Feature files: resilience."""
