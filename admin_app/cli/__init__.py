"""The socialservices command line: one module per command group."""
