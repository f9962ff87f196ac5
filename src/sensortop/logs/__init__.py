"""The JSON Lines log: its line format, file names, the writer and the reader."""
