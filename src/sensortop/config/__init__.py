"""Config files: fields, the TOML loader and writer, and the registry of sensor kinds."""
