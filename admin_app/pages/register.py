"""Issue 20's page: filled in by its work."""


def register() -> None:
    """No route yet."""
