"""The JSON Lines log: its line format, its file names, and the writer (review/ reads it)."""
