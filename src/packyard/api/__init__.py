"""GitHub's Packages REST API under /api/v3."""
