"""`prodstack cost`: a monthly estimate per resource for any Terraform plan, priced offline.

Plans (and state JSON) are read by `prodstack.tf.plan`, the reader the audit uses too. Modules:
`prices` loads the dated price table, `assumptions` holds the usage numbers a plan cannot know,
`estimate`, `compute` and `restore_testing` price each resource type, `report` renders text or
JSON with the 1-year commitment savings (FM-5.2), `prodstack.cli.cost` is the command.
"""

from prodstack.ops.cost import compute as _compute  # noqa: F401  (registers EC2, EBS, RDS pricers)
from prodstack.ops.cost import restore_testing as _restore_testing  # noqa: F401  (restore tests)
