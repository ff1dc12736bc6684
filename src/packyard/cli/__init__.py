"""The `packyard` command."""
