"""Plain data types every layer shares; imports nothing from sensortop."""
