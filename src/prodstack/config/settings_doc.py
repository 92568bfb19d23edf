"""What every setting is, its default and what it does: the one text that the README's
Settings table (`python -m prodstack.ops.readme`) and the `prodstack.toml` that `prodstack init`
writes are made from. A test holds it to `settings.SETTING_NAMES`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    names: tuple[str, ...]
    default: str  # markdown
    notes: str  # markdown
    example: tuple[str, ...]  # a TOML line per name, as `init` shows it (commented out)


SETTINGS: tuple[Entry, ...] = (
    Entry(("region",), "`us-west-1`", "any AWS region the provider knows (a misspelt one is "
          "refused with the closest name)", ('region = "us-west-1"',)),
    Entry(("azs",), "`2`", "2 to 5; one NAT gateway and three subnets per AZ; a region that "
          "offers fewer zones (us-west-1 offers two to most accounts) stops the plan with one "
          "line naming the setting", ("azs = 2",)),
    Entry(("vpc_cidr",), "`10.0.0.0/16`", "private range, /16 to /24 (subnets are 1/16 of it, "
          "/28 at least)", ('vpc_cidr = "10.0.0.0/16"',)),
    Entry(("domain",), "`prodstack-demo.test` on local", "required on aws (or "
          "`certificate_arn`); placeholder domains (`example.com/.org/.net`) are refused on aws",
          ('domain = "shop.acme.io"',)),
    Entry(("hosted_zone_id",), "zone created in the emulator on local", "aws: the public zone "
          "of `domain`, for DNS validation", ('hosted_zone_id = "Z0123456789ABC"',)),
    Entry(("certificate_arn",), "—", "an existing ACM certificate instead of a new one",
          ('certificate_arn = "arn:aws:acm:us-west-1:123456789012:certificate/…"',)),
    Entry(("alarm_emails",), "`oncall@prodstack-demo.test` on local", "comma-separated; "
          "required on aws", ('alarm_emails = ["oncall@acme.io"]',)),
    Entry(("state_bucket", "state_region"), "—", "aws: the remote-state bucket (required) and "
          "its region; local: optional, keeps state (and its lock) in the emulator's S3",
          ('state_bucket = "acme-tf-state"', 'state_region = "us-west-1"')),
    Entry(("state_replica_region",), "—", "`bootstrap`: a second region the state bucket "
          "replicates to", ('state_replica_region = "us-east-1"',)),
    Entry(("instance_type",), "profile (`t4g.small`)", "Graviton types use the arm64 AL2023 "
          "image", ('instance_type = "t4g.small"',)),
    Entry(("image_id",), "latest AL2023 from SSM", "pin an AMI",
          ('image_id = "ami-0123456789abcdef0"',)),
    Entry(("db_instance_class",), "profile (`db.t4g.medium`)", "the database's instance class",
          ('db_instance_class = "db.t4g.medium"',)),
    Entry(("min_size", "max_size"), "profile (2, 6)", "the live colour's Auto Scaling group; "
          "production keeps at least 2 (`min_size_floor`)", ("min_size = 2", "max_size = 6")),
    Entry(("config_recorder",), "`true`", "set false where the account already has a Config "
          "recorder (one per region)", ("config_recorder = true",)),
    Entry(("emulator_strict",), "`true`", "local target: the emulator refuses what AWS refuses "
          "(see Targets); `false` (or `PRODSTACK_EMULATOR_STRICT=0`) for moto as it is",
          ("emulator_strict = true",)),
    Entry(("project",), "`prodstack`", "prefix of every name (2 to 10 lower-case letters, "
          "digits or `-`)", ('project = "prodstack"',)),
    Entry(("plugin_mirror", "plugin_dir"), "—", "where Terraform finds the provider (see "
          "Set-up; or `PRODSTACK_PLUGIN_MIRROR`, `PRODSTACK_PLUGIN_DIR`)",
          ('plugin_mirror = "/opt/tf-plugins"', 'plugin_dir = "/path/to/plugins"')),
    Entry(("app_user_data",), "— (the demo page)", "your user data (a script or "
          "`#cloud-config`), run after prodstack's bootstrap: "
          "[docs/application.md](docs/application.md)", ('app_user_data = "app/user-data.sh"',)),
    Entry(("app_port",), "— (80)", "the port your application listens on (1024–65535; not "
          "443, 5432 or SSH); fixed once deployed (`up` refuses a change before planning)",
          ("app_port = 8080",)),
    Entry(("health_check_path", "health_check_matcher"), "`/`, `200`", "the target groups' "
          "health check (changes in place)",
          ('health_check_path = "/healthz"', 'health_check_matcher = "200"')),
    Entry(("app_environment",), "—", "TOML table of plain settings for the application, as SSM "
          "parameters under `/<project>/<env>/app/` (secret-looking names refused)",
          ("[app_environment]", 'GREETING = "hello"')),
    Entry(("extra_config",), "—", "a folder of your own Terraform, planned and applied with "
          "the stack (its syntax and `local.prodstack` names are checked at synth)",
          ('extra_config = "infra"',)),
    Entry(("extend",), "—", "a Python extension, `\"module:function\"`, that adds to the "
          "built stack", ('extend = "stack_extension:extend"',)),
)


def names() -> list[str]:
    return [name for entry in SETTINGS for name in entry.names]


def markdown_table() -> str:
    rows = ["| setting | default | notes |", "| --- | --- | --- |"]
    for entry in SETTINGS:
        rows.append(f"| {', '.join(f'`{n}`' for n in entry.names)} | {entry.default} | "
                    f"{entry.notes} |")
    return "\n".join(rows)


def plain(markdown: str) -> str:
    """Markdown as a TOML comment shows it: links as their text, no backticks, "none" for
    the table's dash."""
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", markdown).replace("`", "")
    return re.sub(r"(?<![\w-])—(?![\w-])", "none", text)
