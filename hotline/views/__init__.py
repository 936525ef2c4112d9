"""The web console's blueprints, one module each."""
