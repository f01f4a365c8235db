"""CLI command groups, one module each, registered by service.cli."""
