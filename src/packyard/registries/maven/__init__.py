"""GitHub's Apache Maven registry (also Gradle's), repository-scoped."""
