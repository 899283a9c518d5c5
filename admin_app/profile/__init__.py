"""What signed-in people see and change about their own account and linked services."""
