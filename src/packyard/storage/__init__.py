"""Storage adapters: the database and the blob store."""
