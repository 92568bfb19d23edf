"""prodstack: a production AWS web stack in Python, planned and applied by Terraform.

The public API (docs/application.md), for extensions and scripts; everything else is private:

    from prodstack import build, load_settings

    stack = build(load_settings(env="dev", config_file="prodstack.toml"))
    vpc = stack.part("network").vpc                   # a Block: vpc.id, vpc.arn, vpc["cidr_block"]
    stack.doc.resource("aws_sqs_queue", "jobs", name="jobs")
    print(stack.doc.to_json())

- `Settings`, `load_settings(env, target, config_file, overrides)`: validated settings;
- `Stack`, `build(settings)`: the stack, its document (`stack.doc`) and parts by name;
- `Document`, `Block`: the Terraform JSON document and a handle on one of its blocks;
- `policy_document(*statements)`, `expr(text)`: an IAM policy string, a raw expression.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from prodstack.config.load import load_settings
    from prodstack.config.settings import Settings
    from prodstack.stack.built import Stack
    from prodstack.stack.compose import build
    from prodstack.tf.document import Block, Document, expr, policy_document

__all__ = ["Block", "Document", "Settings", "Stack", "build", "expr", "load_settings",
           "policy_document"]

_WHERE = {"Settings": "prodstack.config.settings", "load_settings": "prodstack.config.load",
          "Stack": "prodstack.stack.built", "build": "prodstack.stack.compose",
          "Block": "prodstack.tf.document", "Document": "prodstack.tf.document",
          "expr": "prodstack.tf.document", "policy_document": "prodstack.tf.document"}


def __getattr__(name: str) -> Any:
    """The API's names, imported when first used (`import prodstack` stays light, and the
    package's own modules never import it back)."""
    if name not in _WHERE:
        raise AttributeError(f"module 'prodstack' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
