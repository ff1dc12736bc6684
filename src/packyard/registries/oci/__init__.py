"""The OCI distribution registry at /v2/ (in progress: see issue #3)."""
