"""Terraform, read and run without knowing the stack: the JSON document layer, the runner,
the plan and state readers, HCL and configuration-folder readers, the provider's install
checks and the on-disk result cache."""
