"""`prodstack audit`: the failure-mode catalog as static rules over any Terraform plan.

`plan` reads `terraform show -json`; `config` reads what a plan does not show (backends,
`ignore_changes`) from a configuration folder; `rules` holds one small unit per catalog entry;
`engine` runs them and applies a profile's accepted trades; `report` prints text or JSON;
`catalog` lists every failure mode and where it is checked; `command` is the CLI.
"""
