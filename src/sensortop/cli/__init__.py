"""The command line: one module per command; the dashboard's launch is in main."""
