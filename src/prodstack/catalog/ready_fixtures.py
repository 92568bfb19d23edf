"""Plan fixtures for the apply-readiness rules (AR-…): a `PlanBuilder` that also writes data
sources (read at plan time into `prior_state`, or deferred to apply in `resource_changes`),
`depends_on`, and the provider's region, as `terraform show -json` does; and policy pieces
shaped like real code (jsonencode'd documents, `aws_iam_policy_document` data sources).
"""

from __future__ import annotations

import json
import re
from typing import Any

from prodstack.catalog.planbuilder import PlanBuilder

ACCOUNT = "111122223333"
REGION = "us-east-1"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
_MANAGED = re.compile(r"^(?P<module>(module\.[A-Za-z0-9_-]+(\[[^\]]+\])?\.)*)"
                      r"(?P<type>[a-z0-9_]+)\.(?P<name>[A-Za-z0-9_-]+)(\[[^\]]+\])?$")
_DATA = re.compile(r"^(?P<module>(module\.[A-Za-z0-9_-]+(\[[^\]]+\])?\.)*)data\."
                   r"(?P<type>[a-z0-9_]+)\.(?P<name>[A-Za-z0-9_-]+)(\[(?P<index>[^\]]+)\])?$")


def split(address: str) -> tuple[str, str, str]:
    """`module.a[0].aws_s3_bucket.logs` -> (`module.a[0]`, `aws_s3_bucket`, `logs`)."""
    match = _MANAGED.match(address)
    if not match:
        raise ValueError(f"bad address {address!r}")
    return match.group("module").rstrip("."), match.group("type"), match.group("name")


class ReadyBuilder(PlanBuilder):
    """A `PlanBuilder` with data sources, `depends_on` and a region (us-east-1, account
    111122223333 by default, as `aws_caller_identity` and `aws_partition` read them)."""

    def __init__(self, region: str = REGION, account: str = ACCOUNT) -> None:
        super().__init__()
        self.region = region
        self.read: dict[str, list[dict[str, Any]]] = {}
        self.deferred: list[dict[str, Any]] = []
        # aliased provider configurations: key ("aws.us_east_1") -> region (None: not
        # written, as when it comes from the environment)
        self.providers: dict[str, str | None] = {}
        self.data("data.aws_caller_identity.current",
                  {"account_id": account, "arn": f"arn:aws:iam::{account}:user/ci",
                   "id": account})
        self.data("data.aws_partition.current", {"partition": "aws", "dns_suffix":
                                                 "amazonaws.com", "id": "aws"})

    def data(self, address: str, values: dict[str, Any], *,
             unknown: dict[str, Any] | None = None,
             refs: dict[str, list[str]] | None = None) -> ReadyBuilder:
        """A data instance; with `unknown`, its read is deferred to apply."""
        match = _DATA.match(address)
        if not match:
            raise ValueError(f"bad data address {address!r}")
        module = match.group("module").rstrip(".")
        type_, name, index = match.group("type"), match.group("name"), match.group("index")
        entry: dict[str, Any] = {"address": address, "mode": "data", "type": type_,
                                 "name": name,
                                 "provider_name": "registry.terraform.io/hashicorp/aws"}
        if index is not None:
            entry["index"] = int(index) if index.isdigit() else index.strip('"')
        if unknown:
            self.deferred.append({**entry, **({"module_address": module} if module else {}),
                                  "change": {"actions": ["read"], "before": None,
                                             "after": values, "after_unknown": unknown}})
        else:
            self.read.setdefault(module, []).append({**entry, "schema_version": 0,
                                                     "values": values})
        config = self._config_module(re.sub(r"\[[^\]]*\]", "", module))
        if not any(r["mode"] == "data" and r["type"] == type_ and r["name"] == name
                   for r in config["resources"]):
            expressions: dict[str, Any] = {k: {"constant_value": v} for k, v in values.items()
                                           if v is not None and k not in (unknown or {})}
            for path, references in (refs or {}).items():
                expressions[path] = {"references": references}
            config["resources"].append({"address": f"data.{type_}.{name}", "mode": "data",
                                        "type": type_, "name": name,
                                        "provider_config_key": "aws",
                                        "expressions": expressions, "schema_version": 0})
        return self

    def depends(self, address: str, *on: str) -> ReadyBuilder:
        """`depends_on = [on…]` (module-relative) on the resource at `address`."""
        module, type_, name = split(address)
        for entry in self._config_module(re.sub(r"\[[^\]]*\]", "", module))["resources"]:
            if entry["type"] == type_ and entry["name"] == name and entry["mode"] == "managed":
                entry["depends_on"] = list(on)
        return self

    def provider_of(self, address: str, key: str) -> ReadyBuilder:
        """`provider = <key>` on the resource or data source at `address`."""
        data = address.startswith("data.") or ".data." in address
        module, type_, name = split(address.replace("data.", "", 1) if data else address)
        mode = "data" if data else "managed"
        for entry in self._config_module(re.sub(r"\[[^\]]*\]", "", module))["resources"]:
            if (entry["mode"], entry["type"], entry["name"]) == (mode, type_, name):
                entry["provider_config_key"] = key
        return self

    def build(self) -> dict[str, Any]:
        out = super().build()
        configs = out["configuration"]["provider_config"]
        configs["aws"]["expressions"] = {"region": {"constant_value": self.region}}
        for key, where in self.providers.items():
            configs[key] = {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
                            "alias": key.split(".", 1)[1],
                            "expressions": {"region": {"constant_value": where}}
                            if where else {}}
        out["resource_changes"] = [*self.deferred, *out["resource_changes"]]
        root: dict[str, Any] = {"resources": self.read.get("", [])}
        children = [{"address": m, "resources": r} for m, r in self.read.items() if m]
        if children:
            root["child_modules"] = children
        out["prior_state"] = {"format_version": "1.0", "terraform_version": "1.11.4",
                              "values": {"root_module": root}}
        return out


def policy(*statements: dict[str, Any]) -> str:
    """A policy document as `jsonencode` writes it (a known string in the plan)."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal: dict[str, Any] | str | None, actions: str | list[str],
          resources: str | list[str] = "*", condition: dict[str, Any] | None = None,
          sid: str = "", effect: str = "Allow") -> dict[str, Any]:
    """One statement in JSON form."""
    out: dict[str, Any] = {"Effect": effect, "Action": actions, "Resource": resources}
    if sid:
        out["Sid"] = sid
    if principal is not None:
        out["Principal"] = principal
    if condition:
        out["Condition"] = condition
    return out


ADMIN = allow({"AWS": ROOT}, "kms:*", sid="EnableIAMUserPermissions")
DENY_HTTP = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
             "Action": "s3:*", "Resource": ["arn:aws:s3:::*", "arn:aws:s3:::*/*"],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def key(b: PlanBuilder, address: str, *statements: dict[str, Any] | None,
        unknown_policy: bool = False, default_policy: bool = False) -> PlanBuilder:
    """A customer managed key whose policy is the account's admin statement and `statements`
    (`unknown_policy`: only known after apply; `default_policy`: no policy written)."""
    later = unknown_policy or default_policy
    values: dict[str, Any] = {"description": "key", "enable_key_rotation": True,
                              "policy": None if later else
                              policy(ADMIN, *(s for s in statements if s))}
    unknown = {"arn": True, "id": True, "key_id": True, **({"policy": True} if later else {})}
    refs = {"policy": ["aws_iam_role.admin.arn", "aws_iam_role.admin"]} if unknown_policy \
        else None  # a jsonencode of a value known after apply
    return b.add(address, values, unknown=unknown, refs=refs)


def bucket(b: PlanBuilder, address: str, name: str | None, *statements: dict[str, Any],
           sse: str | None = "AES256", policy_unknown: bool = False,
           policy_from: str | None = None, with_policy: bool = True,
           **values: Any) -> PlanBuilder:
    """A bucket (name None: `bucket_prefix`, known after apply) with default encryption, and a
    bucket policy of `statements` (`policy_unknown`: a jsonencode of values known after
    apply; `policy_from`: the `json` of that data source, read at apply)."""
    module, _, label = split(address)
    prefix = f"{module}." if module else ""
    b.add(address, {"bucket": name, "force_destroy": False, **values},
          unknown={"arn": True, "id": True, **({"bucket": True} if name is None else {})})
    ref = [f"aws_s3_bucket.{label}.id", f"aws_s3_bucket.{label}"]
    if sse:
        rule = [{"apply_server_side_encryption_by_default": [{"sse_algorithm": sse}],
                 "bucket_key_enabled": sse.startswith("aws:kms")}]
        b.add(f"{prefix}aws_s3_bucket_server_side_encryption_configuration.{label}",
              {"rule": rule}, refs={"bucket": ref}, unknown={"bucket": True})
    if with_policy:
        later = policy_unknown or policy_from is not None
        policy_refs = [f"{policy_from}.json", policy_from] if policy_from else \
            [f"aws_s3_bucket.{label}.arn", f"aws_s3_bucket.{label}"]
        b.add(f"{prefix}aws_s3_bucket_policy.{label}",
              {"policy": None if later else policy(*statements)},
              refs={"bucket": ref, **({"policy": policy_refs} if later else {})},
              unknown={"bucket": True, **({"policy": True} if later else {})})
    return b
