"""Alarm actions (README "Actions"): the sink that takes AlarmEvents and the runners
that carry them out, each off the event loop and within its time limit."""
