"""The state bootstrap stack, synthesized (FM-6.2): versioned, encrypted, private, replicated."""

from __future__ import annotations

import json

import pytest

from prodstack.config.load import load_settings
from prodstack.core.errors import SettingError, UserError
from prodstack.ops.bootstrap import build, state_bucket_name


def test_state_bucket_is_versioned_encrypted_private_and_tls_only():
    doc = build(load_settings(overrides=["state_bucket=acme-tf-state"])).to_dict()
    res = doc["resource"]
    assert res["aws_s3_bucket"]["state"]["bucket"] == "acme-tf-state"
    assert res["aws_s3_bucket_versioning"]["state"]["versioning_configuration"] == [
        {"status": "Enabled"}]
    assert res["aws_s3_bucket_public_access_block"]["state"]["restrict_public_buckets"]
    policy = json.loads(res["aws_s3_bucket_policy"]["state"]["policy"])
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    rule = res["aws_s3_bucket_lifecycle_configuration"]["state"]["rule"][0]
    assert rule["noncurrent_version_expiration"][0]["noncurrent_days"] >= 30
    assert "aws_s3_bucket_replication_configuration" not in res


def test_replica_in_a_second_region():
    settings = load_settings(overrides=["state_bucket=acme-tf-state",
                                        "state_replica_region=us-east-1"])
    doc = build(settings).to_dict()
    assert [p.get("region") for p in doc["provider"]["aws"]] == ["us-west-1", "us-east-1"]
    assert doc["resource"]["aws_s3_bucket"]["replica"]["provider"] == "aws.replica"
    replication = doc["resource"]["aws_s3_bucket_replication_configuration"]["state"]
    assert replication["rule"][0]["destination"][0]["bucket"] == "${aws_s3_bucket.replica.arn}"


def test_replica_region_must_differ():
    with pytest.raises(SettingError, match="state_replica_region"):
        load_settings(overrides=["state_replica_region=us-west-1"])


def test_aws_bootstrap_needs_a_bucket_name():
    settings = load_settings(overrides=["state_bucket=x-y-z"])
    assert state_bucket_name(settings) == "x-y-z"
    from dataclasses import replace

    with pytest.raises(UserError, match="state_bucket"):
        state_bucket_name(replace(settings, target="aws", state_bucket=None))


def test_local_bootstrap_points_at_the_emulator_and_aws_does_not():
    local = build(load_settings()).to_dict()
    assert local["provider"]["aws"][0]["endpoints"]
    aws = build(load_settings(target="aws", overrides=[
        "state_bucket=acme-tf-state", "domain=shop.acme.io", "hosted_zone_id=Z1",
        "alarm_emails=a@acme.io"])).to_dict()
    assert "endpoints" not in aws["provider"]["aws"][0]
