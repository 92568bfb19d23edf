"""Settings as a pure value: every setting with its default, and what follows from them (the
profile with its overrides, the names, the effective domain and alarm addresses).

They are built and validated by `prodstack.config.load` (`load_settings`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from prodstack.config import targets
from prodstack.config.limits import HTTP_PORT
from prodstack.config.naming import Names
from prodstack.config.profiles import OVERRIDABLE, PROFILES, Profile

STRICT_ENV = "PRODSTACK_EMULATOR_STRICT"
SUBNET_NEWBITS = 4  # 16 slots: public, app and database subnets for up to 5 AZs
MAX_AZS = 5


@dataclass(frozen=True)
class Settings:
    """Every user-settable value. `None` means: take the profile's value."""

    env: str = "production"
    target: str = "local"
    project: str = "prodstack"
    region: str = "us-west-1"
    azs: int = 2
    vpc_cidr: str = "10.0.0.0/16"
    domain: str | None = None
    hosted_zone_id: str | None = None
    certificate_arn: str | None = None
    alarm_emails: tuple[str, ...] = ()
    state_bucket: str | None = None
    state_region: str | None = None
    state_replica_region: str | None = None
    instance_type: str | None = None
    image_id: str | None = None
    db_instance_class: str | None = None
    min_size: int | None = None
    max_size: int | None = None
    config_recorder: bool = True
    # Local target: the emulator refuses what AWS refuses (prodstack.runtime.moto_patches.STRICT);
    # false runs the permissive emulator. Also PRODSTACK_EMULATOR_STRICT=0.
    emulator_strict: bool = True
    plugin_mirror: str | None = None
    plugin_dir: str | None = None
    # The application (docs/application.md): None / defaults keep the demo page.
    app_user_data: str | None = None  # a script or cloud-init file, run after the bootstrap
    app_port: int | None = None  # None: the instances serve HTTP_PORT
    health_check_path: str = "/"
    health_check_matcher: str = "200"
    app_environment: tuple[tuple[str, str], ...] = ()  # [app_environment] in TOML only
    extra_config: str | None = None  # a folder of the user's Terraform
    extend: str | None = None  # "module:function", called as extend(stack)
    config_dir: str | None = None  # the TOML file's folder (not a setting: set by loading)
    config_file: str | None = None  # the TOML file itself (not a setting: set by loading)

    @property
    def profile(self) -> Profile:
        """The environment's profile with this settings' overrides (`OVERRIDABLE`) applied."""
        base = PROFILES[self.env]
        changed = {name: value for name, value in self.overrides.items() if value is not None}
        return replace(base, **changed) if changed else base

    @property
    def overrides(self) -> dict[str, Any]:
        """The profile fields these settings override (None: the profile's value)."""
        values = {"instance_type": self.instance_type, "db_instance_class": self.db_instance_class,
                  "min_size": self.min_size, "max_size": self.max_size}
        assert tuple(values) == OVERRIDABLE
        return values

    @property
    def effective_domain(self) -> str | None:
        return self.domain or targets.default_domain(self.target)

    @property
    def effective_alarm_emails(self) -> tuple[str, ...]:
        return self.alarm_emails or targets.default_alarm_emails(self.target)

    @property
    def names(self) -> Names:
        return Names(self.project, self.env, self.region)

    @property
    def demo_page(self) -> bool:
        """The instances serve prodstack's demo page: no application is configured."""
        return not self.app_user_data and self.app_port is None

    @property
    def effective_app_port(self) -> int:
        return self.app_port if self.app_port is not None else HTTP_PORT


SETTING_NAMES = tuple(f.name for f in fields(Settings))
NOT_SETTABLE = ("env", "target", "config_dir", "config_file")


SETTING_NAMES = tuple(f.name for f in fields(Settings))
NOT_SETTABLE = ("env", "target", "config_dir", "config_file")
