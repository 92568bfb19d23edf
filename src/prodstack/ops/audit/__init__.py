"""`prodstack audit`: the failure-mode catalog as static rules over any Terraform plan.

`config` reads what a plan does not show (backends, `ignore_changes`) from a configuration
folder; `locations` finds the file and line of each block (and the `prodstack:ignore`
comments next to them); `engine` runs the catalog's rules and applies a profile's accepted
trades; `suppress` applies the suppressions the user wrote (comments, prodstack-audit.toml);
`report` prints text or JSON and `formats` SARIF, JUnit XML and Markdown; `catalog` lists
every failure mode and where it is checked; `command` is the CLI and `hook` the pre-commit
hook.
"""
