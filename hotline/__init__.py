"""The 12345 hotline application: settings, database, web console, CLI and jobs."""
