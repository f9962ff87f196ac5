"""The browser view behind ``sensortop serve``: its guard, its binding rules, its server."""
