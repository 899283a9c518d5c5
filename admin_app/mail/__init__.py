"""Mail: the letters the app writes, the outbox that sends them, the server's settings."""
