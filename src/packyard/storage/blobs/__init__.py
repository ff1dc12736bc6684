"""Blob storage for registry content (filesystem first)."""
