"""The operations: the life cycle (plan, up, outputs, down, resume), releases (deploy),
backups, live verification, the audit of any plan, the cost estimate, load tests, offline
plans and the project's scaffolding."""
