"""Reading sensortop logs back: fast reader, per-sensor summaries, plotext charts.

Nothing here imports Textual: the CLI and the review screen both build on it.
"""
