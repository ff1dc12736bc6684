"""GitHub's NuGet registry: the v3 protocol at /_registry/nuget/OWNER/."""
