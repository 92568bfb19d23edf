"""Settings: defaults, TOML and --set, and one clear error per bad value."""

from __future__ import annotations

from dataclasses import fields

import pytest

from prodstack.config.load import load_settings
from prodstack.config.profiles import OVERRIDABLE, PROFILES, Profile
from prodstack.core.errors import SettingError, UserError
from tests.conftest import AWS_SETS


def test_defaults_are_production_on_local_with_demo_domain():
    s = load_settings()
    assert (s.env, s.target, s.region, s.azs) == ("production", "local", "us-west-1", 2)
    assert s.effective_domain == "prodstack-demo.test"
    assert s.effective_alarm_emails == ("oncall@prodstack-demo.test",)
    assert s.profile == PROFILES["production"]


def test_overrides_change_the_profile_and_only_its_overridable_fields():
    s = load_settings(env="staging", overrides=["instance_type=m7g.large", "max_size=9"])
    assert (s.profile.instance_type, s.profile.max_size) == ("m7g.large", 9)
    assert s.profile.min_size == PROFILES["staging"].min_size
    assert set(s.overrides) == set(OVERRIDABLE) <= {f.name for f in fields(Profile)}


def test_overrides_and_toml_file(tmp_path):
    cfg = tmp_path / "prodstack.toml"
    cfg.write_text('region = "us-east-1"\nazs = 3\n[env.dev]\ninstance_type = "t4g.nano"\n')
    s = load_settings(env="dev", config_file=cfg, overrides=["alarm_emails=a@x.io, b@y.io"])
    assert (s.region, s.azs, s.instance_type) == ("us-east-1", 3, "t4g.nano")
    assert s.alarm_emails == ("a@x.io", "b@y.io")


BAD = [
    (["vpc_cidr=10.0.0.0/33"], "vpc_cidr"),
    (["vpc_cidr=10.0.0.300/16"], "vpc_cidr"),
    (["vpc_cidr=not-a-cidr"], "vpc_cidr"),
    (["vpc_cidr=10.0.0.0/26"], "vpc_cidr"),  # too small for 3 subnets per AZ
    (["vpc_cidr=10.0.0.0/8"], "vpc_cidr"),  # larger than a VPC may be
    (["vpc_cidr=8.8.0.0/16"], "vpc_cidr"),  # public range
    (["azs=1"], "azs"),
    (["azs=two"], "azs"),
    (["alarm_emails=oncall-at-acme"], "alarm_emails"),
    (["alarm_emails=ok@acme.io,bad@"], "alarm_emails"),
    (["region=mars-1"], "region"),
    (["min_size=3", "max_size=2"], "max_size"),
    (["min_size=1"], "min_size"),  # production keeps two
    (["instance_type=huge"], "instance_type"),
    (["db_instance_class=t3.micro"], "db_instance_class"),
    (["certificate_arn=arn:nope"], "certificate_arn"),
    (["hosted_zone_id=zone"], "hosted_zone_id"),
    (["state_bucket=Bad_Bucket"], "state_bucket"),
    (["config_recorder=maybe"], "config_recorder"),
]


@pytest.mark.parametrize(("sets", "name"), BAD, ids=[n + ":" + s[-1] for s, n in BAD])
def test_bad_values_name_the_setting(sets, name):
    with pytest.raises(SettingError) as err:
        load_settings(overrides=sets)
    assert err.value.name == name
    assert "\n" not in str(err.value)


def _aws(*sets: str) -> list[str]:
    base = dict(item.split("=", 1) for item in AWS_SETS)
    for item in sets:
        key, _, value = item.partition("=")
        if value:
            base[key] = value
        else:
            base.pop(key, None)
    return [f"{k}={v}" for k, v in base.items()]


AWS_BAD = [
    (_aws("domain=www.example.com"), "domain"),
    (_aws("domain=example.org"), "domain"),
    (_aws("domain=shop.example.net"), "domain"),
    (_aws("hosted_zone_id"), "hosted_zone_id"),
    (_aws("state_bucket"), "state_bucket"),
    (_aws("domain", "hosted_zone_id"), "domain"),
    (_aws("alarm_emails"), "alarm_emails"),
]


@pytest.mark.parametrize(("sets", "name"), AWS_BAD)
def test_aws_target_refuses_placeholders_and_missing_settings(sets, name):
    with pytest.raises(SettingError) as err:
        load_settings(target="aws", overrides=sets)
    assert err.value.name == name


def test_aws_target_accepts_certificate_instead_of_zone():
    arn = "arn:aws:acm:us-west-1:123456789012:certificate/0f3a2b1c-aaaa-bbbb-cccc-0123456789ab"
    s = load_settings(target="aws", overrides=_aws("hosted_zone_id", f"certificate_arn={arn}"))
    assert s.certificate_arn == arn


def test_placeholder_domain_is_fine_on_the_emulator():
    assert load_settings(overrides=["domain=example.com"]).domain == "example.com"


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"env": "prod"}, "unknown profile"),
    ({"target": "gcp"}, "unknown target"),
    ({"overrides": ["colour=blue"]}, "unknown setting"),
    ({"overrides": ["region"]}, "NAME=VALUE"),
])
def test_unknown_profile_target_and_setting(kwargs, fragment):
    with pytest.raises(UserError, match=fragment):
        load_settings(**kwargs)


def test_malformed_and_missing_toml(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("region = \n")
    with pytest.raises(UserError, match="not valid TOML"):
        load_settings(config_file=bad)
    with pytest.raises(UserError, match="not found"):
        load_settings(config_file=tmp_path / "missing.toml")
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('colour = "blue"\n')
    with pytest.raises(UserError, match="unknown setting 'colour'"):
        load_settings(config_file=unknown)


def test_missing_plugin_mirror_is_a_setting_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PRODSTACK_PLUGIN_MIRROR", str(tmp_path / "nowhere"))
    with pytest.raises(SettingError) as err:
        load_settings()
    assert err.value.name == "plugin_mirror"


def test_longest_project_name_fits_aws_name_limits():
    from prodstack.stack.synth import build_document

    doc = build_document(load_settings(overrides=["project=abcdefghij"])).to_dict()
    names = [tg["name"] for tg in doc["resource"]["aws_lb_target_group"].values()]
    names.append(doc["resource"]["aws_lb"]["web"]["name"])
    assert all(len(n) <= 32 for n in names) and len(set(names)) == 3
    with pytest.raises(SettingError):
        load_settings(overrides=["project=abcdefghijk"])
