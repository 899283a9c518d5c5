"""The administration's pages, each behind the administrator guard."""
