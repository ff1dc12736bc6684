"""The web pages: GitHub's package pages, rendered on the server from the REST API's services."""
