"""sensortop: a terminal dashboard for lab and process-plant sensors."""

__version__ = "0.3.0"
