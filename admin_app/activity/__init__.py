"""The live feed, publishing posts through linked accounts (the outbox), and the
hashtag import."""
