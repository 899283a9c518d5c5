"""Helpers that tests of every package share: real servers on 127.0.0.1 and what they need."""
