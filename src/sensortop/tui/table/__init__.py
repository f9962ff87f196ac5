"""The table view: one row per sensor, sortable, filterable, grouped (README "Table view")."""
