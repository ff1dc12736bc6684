"""Tokens and credentials."""
