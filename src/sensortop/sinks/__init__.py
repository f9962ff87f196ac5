"""Outputs: where readings and alarm transitions go once the engine has them.

Every output is a ``Sink`` (``sensortop.sinks.base``); the session starts them
before the engine and stops them after it. Kinds are found by name through
``sensortop.sinks.registry`` (built-ins and the ``sensortop.sinks`` entry-point group).
"""
