"""Backups of the stack's database: `prodstack backup verify` (FM-4.4).

A backup counts only once it has been restored. `verify` takes a fresh snapshot (or uses the
latest of any kind, the vault's newest recovery point, or a given one), restores it to a
temporary instance next to the database, checks it, measures the restore time (RTO) and the
age of the newest recovery point (RPO), and always deletes what it created. `verify.py` holds
the steps, `snapshots.py` and `vault.py` what is restored, `checks.py` what is checked on the
restored instance's description, `runcommand.py`, `probe.py` and `credentials.py` the data
checks run on a web instance (aws target), `command.py` the click group `backup_group`.
"""
