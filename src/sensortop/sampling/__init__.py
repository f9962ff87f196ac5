"""Sampling: the engine, per-sensor history and alarms, and the session that wires sinks."""
