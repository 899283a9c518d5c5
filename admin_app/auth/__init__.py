"""Who someone is and what they may do: local and social sign-in (one module per flow),
the first administrator, administrator access, safe return addresses, and policy.py,
the one place that decides who may sign in, register and link."""
