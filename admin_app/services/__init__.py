"""What a site offers: the catalogue of ready services, editing services and sites, the
config file, and the one validator both the editor and config import use."""
