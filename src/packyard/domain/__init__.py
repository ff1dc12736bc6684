"""Pure rules and types: no SQL, no HTTP, no I/O."""
