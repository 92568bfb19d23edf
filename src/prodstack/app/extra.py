"""`extra_config`: a folder of the user's own Terraform, planned and applied with the stack.

Its top-level `*.tf` and `*.tf.json` files (the root module; subfolders are not read) are
copied into the working folder as `extra_<name>`, next to prodstack's `main.tf.json`, so they
share its state, its provider (region, default tags, the emulator's endpoints on the local
target) and `local.prodstack`. A folder is refused, one line naming the file, when it would
change what prodstack owns: a block with the address or name of one of prodstack's (resource,
data source, output, variable, local, module), a provider configuration, a backend or
`required_providers`, an override file.

`check_endpoints` guards the local target: when the aws provider is pointed at the emulator
(`endpoints`), every AWS resource and data source of the configuration, prodstack's, an
extension's or the folder's, must be of a service the emulator serves; any other one would
send Terraform to real AWS.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prodstack.errors import UserError
from prodstack.naming import EXTRA_FILE_PREFIX
from prodstack.tf.document import Document

KINDS = ("resource", "data", "output", "variable", "locals", "module", "provider", "terraform")
OWNED_SETTINGS = {"backend": "prodstack owns the backend (the state)",
                  "cloud": "prodstack owns the backend (the state)",
                  "required_providers": "prodstack declares the required providers "
                                        "(hashicorp/aws) and Terraform allows one declaration"}

# Resource and data source types, by the provider's endpoint name of their service: an entry
# ending in "_" is a prefix, any other one a type. Types that call no API are in NO_API.
SERVICE_TYPES: dict[str, tuple[str, ...]] = {
    "acm": ("aws_acm_",),
    "autoscaling": ("aws_autoscaling_",),
    "backup": ("aws_backup_",),
    "cloudtrail": ("aws_cloudtrail", "aws_cloudtrail_"),
    "cloudwatch": ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm",
                   "aws_cloudwatch_dashboard"),
    "cloudwatchlogs": ("aws_cloudwatch_log_",),
    "configservice": ("aws_config_",),
    "dynamodb": ("aws_dynamodb_",),
    "ec2": ("aws_vpc", "aws_vpcs", "aws_vpc_", "aws_subnet", "aws_subnets", "aws_security_group",
            "aws_security_groups", "aws_default_", "aws_internet_gateway", "aws_nat_gateway",
            "aws_nat_gateways", "aws_eip", "aws_eips", "aws_eip_association", "aws_route",
            "aws_route_table", "aws_route_tables", "aws_route_table_association",
            "aws_main_route_table_association", "aws_network_acl", "aws_network_acl_",
            "aws_network_interface", "aws_network_interface_", "aws_instance", "aws_instances",
            "aws_launch_template", "aws_ami", "aws_ami_ids", "aws_key_pair", "aws_ebs_",
            "aws_flow_log", "aws_availability_zone", "aws_availability_zones", "aws_ec2_",
            "aws_placement_group", "aws_egress_only_internet_gateway"),
    "elbv2": ("aws_lb", "aws_lb_listener", "aws_lb_listener_", "aws_lb_target_group",
              "aws_lb_target_group_", "aws_lbs", "aws_alb", "aws_alb_"),
    "iam": ("aws_iam_",),
    "kms": ("aws_kms_",),
    "rds": ("aws_db_", "aws_rds_"),
    "route53": ("aws_route53_record", "aws_route53_zone", "aws_route53_health_check",
                "aws_route53_zone_association"),
    "s3": ("aws_s3_",),
    "secretsmanager": ("aws_secretsmanager_",),
    "sns": ("aws_sns_",),
    "ssm": ("aws_ssm_",),
    "sts": ("aws_caller_identity",),
    "wafv2": ("aws_wafv2_",),
}
NO_API = {"aws_partition", "aws_region", "aws_regions", "aws_iam_policy_document", "aws_arn",
          "aws_elb_service_account", "aws_default_tags", "aws_service_principal",
          "aws_billing_service_account"}


@dataclass(frozen=True)
class Declared:
    """A top-level block of the user's folder: its kind and labels (or a local's name)."""

    kind: str
    labels: tuple[str, ...]
    source: str  # the user's file name
    settings: tuple[str, ...] = ()  # nested blocks of a `terraform` block

    @property
    def address(self) -> str:
        if self.kind in ("resource", "data"):
            return ("data." if self.kind == "data" else "") + ".".join(self.labels[:2])
        return f"{self.kind} {'.'.join(self.labels)}".strip()


def _objects(value: Any) -> list[dict[str, Any]]:
    """JSON syntax allows a block to be an object or a list of objects."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def _from_json(name: str, text: str) -> list[Declared]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"extra_config: {name}: not valid JSON ({exc.msg}, line {exc.lineno})",
                        exit_code=2) from None
    if not isinstance(doc, dict):
        raise UserError(f"extra_config: {name}: expected a JSON object", exit_code=2)
    out: list[Declared] = []
    for kind, value in doc.items():
        if kind in ("resource", "data"):
            out += [Declared(kind, (t, label), name) for body in _objects(value)
                    for t, labels in body.items() for bodies in _objects(labels)
                    for label in bodies]
        elif kind in ("output", "variable", "module", "provider", "locals"):
            out += [Declared(kind, (label,), name) for body in _objects(value) for label in body]
        elif kind == "terraform":
            out += [Declared(kind, (), name, tuple(body)) for body in _objects(value)]
    return out


def _from_hcl(name: str, text: str) -> list[Declared]:
    from prodstack.audit.config import parse_hcl  # its small HCL reader: blocks and labels

    out: list[Declared] = []
    for block in parse_hcl(text).blocks:
        if block.type == "locals":
            out += [Declared("locals", (local,), name) for local in block.attrs]
        elif block.type == "terraform":
            out.append(Declared("terraform", (), name, tuple(b.type for b in block.blocks)))
        elif block.type in KINDS:
            out.append(Declared(block.type, tuple(block.labels), name))
    return out


def read_folder(folder: Path) -> dict[str, str]:
    """File name -> text of the folder's top-level Terraform files."""
    files: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if not path.name.endswith((".tf", ".tf.json")) or not path.is_file():
            continue
        stem = path.name.removesuffix(".json").removesuffix(".tf")
        if stem == "override" or stem.endswith("_override"):
            raise UserError(f"extra_config: {path.name} is an override file, which would "
                            "change prodstack's own blocks; rename it", exit_code=2)
        try:
            files[path.name] = path.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"extra_config: cannot read {path} ({exc})", exit_code=2) from None
    return files


def declared(files: dict[str, str]) -> list[Declared]:
    out: list[Declared] = []
    for name, text in files.items():
        out += _from_json(name, text) if name.endswith(".tf.json") else _from_hcl(name, text)
    return out


def _taken(doc: Document) -> dict[str, set[tuple[str, ...]]]:
    """What prodstack's document declares, per kind, as the user's blocks would name it."""
    return {
        "resource": {(t, n) for t, bodies in doc.resources.items() for n in bodies},
        "data": {(t, n) for t, bodies in doc.data_sources.items() for n in bodies},
        "output": {(n,) for n in doc.outputs},
        "variable": {(n,) for n in doc.variables},
        "locals": {(n,) for n in doc.locals},
        "module": set(),
    }


def check(blocks: list[Declared], doc: Document) -> None:
    """Refuse what would change or collide with what prodstack owns."""
    taken = _taken(doc)
    for block in blocks:
        where = f"extra_config: {block.source}"
        if block.kind == "provider":
            raise UserError(f"{where} configures provider {block.labels[0]!r}: prodstack owns "
                            "the providers (region, default tags, the emulator's endpoints); "
                            "use them as they are", exit_code=2)
        if block.kind == "terraform":
            for setting in block.settings:
                if setting in OWNED_SETTINGS:
                    raise UserError(f"{where}: its terraform block sets {setting}: "
                                    f"{OWNED_SETTINGS[setting]}", exit_code=2)
            continue
        if tuple(block.labels[:2]) in taken.get(block.kind, set()):
            raise UserError(f"{where} declares {block.address}, which prodstack's stack "
                            "declares too; rename yours", exit_code=2)


def files_for(settings_extra: str | None, doc: Document) -> dict[str, str]:
    """The working folder's copies of the user's files (prefixed name -> text), checked."""
    if not settings_extra:
        return {}
    files = read_folder(Path(settings_extra))
    blocks = declared(files)
    check(blocks, doc)
    check_endpoints(doc, [(b.kind, b.labels[0], b.address) for b in blocks
                          if b.kind in ("resource", "data") and b.labels])
    return {EXTRA_FILE_PREFIX + name: text for name, text in files.items()}


def covered(type_: str, services: set[str]) -> bool:
    if not type_.startswith("aws_") or type_ in NO_API:
        return True
    return any(type_ == entry or (entry.endswith("_") and type_.startswith(entry))
               for service in services for entry in SERVICE_TYPES.get(service, ()))


def check_endpoints(doc: Document, extra: Sequence[tuple[str, str, str]] = ()) -> None:
    """With the aws provider pointed at custom endpoints (the emulator), every AWS type in
    the document and in `extra` ((kind, type, address)) must be of a service among them."""
    services: set[str] = set()
    for body in doc.providers.get("aws", []):
        for endpoints in body.get("endpoints", []):
            services |= set(endpoints)
    if not services:
        return
    found = [("resource", t, f"{t}.{n}") for t, bodies in doc.resources.items() for n in bodies]
    found += [("data", t, f"data.{t}.{n}") for t, bodies in doc.data_sources.items()
              for n in bodies]
    for _, type_, address in [*found, *extra]:
        if not covered(type_, services):
            raise UserError(
                f"{address}: the emulator does not serve this type's AWS service, so "
                "Terraform would call real AWS for it; the local target plans only what the "
                "emulator serves (use --target aws for it)", exit_code=2)
