"""Archives and retention: finished JSON Lines logs compacted to verified Parquet files,
and old files removed by the ``[monitor]`` retention settings (README "Archives and
retention"). Above ``review`` (whose parser reads the logs) and below the faces."""
