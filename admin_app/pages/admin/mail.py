"""Issue 20's admin page: filled in by its work."""


def register() -> None:
    """No route yet."""
