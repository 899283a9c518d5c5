"""The administrator's use cases: users and groups, registration rules, the overview,
the audit log, encryption passes and housekeeping."""
