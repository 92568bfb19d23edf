"""Backups of the stack's database: `prodstack backup verify` (FM-4.4).

A backup counts only once it has been restored. `verify` takes a fresh snapshot (or uses the
latest or a given one), restores it to a temporary instance next to the database, checks it,
measures the restore time (RTO) and the age of the newest recovery point (RPO), and always
deletes what it created. `verify.py` holds the steps, `checks.py` what is checked on the
restored instance, `command.py` the click group `backup_group`.
"""
