"""The npm registry at /_registry/npm/ (GitHub Enterprise Server's path)."""
