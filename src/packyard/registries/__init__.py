"""Package registries: each format's wire protocol, calling the services."""
