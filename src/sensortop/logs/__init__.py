"""The JSON Lines log: its line format, its files (names and order), and the writer."""
