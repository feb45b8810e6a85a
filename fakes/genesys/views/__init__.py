"""Wire shapes of the Genesys fake: REST bodies (serialize) and notification topic bodies (topics)."""
