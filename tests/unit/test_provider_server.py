"""When one provider process may serve every Terraform command of a run."""

from __future__ import annotations

import json

import pytest

from prodstack.tf.cliconfig import PROVIDER
from prodstack.tf.provider_server import enabled, shareable, start


def test_one_aws_configuration_and_plain_extra_files_share():
    assert shareable(1, {})
    assert shareable(1, {"extra_infra_sessions.tf": 'resource "aws_sqs_queue" "q" {}\n'})
    assert shareable(1, {"extra_x.tf.json": json.dumps({"resource": {"aws_sqs_queue": {}}})})


@pytest.mark.parametrize("files", [
    {"extra_p.tf": 'provider "aws" {\n  alias = "east"\n  region = "us-east-1"\n}\n'},
    {"extra_m.tf": 'module "queue" {\n  source = "./queue"\n}\n'},
    {"extra_p.tf.json": json.dumps({"provider": {"aws": {"alias": "east"}}})},
    {"extra_m.tf.json": json.dumps({"module": {"q": {"source": "./q"}}})},
    {"extra_bad.tf.json": "{not json"},
])
def test_a_file_that_may_configure_another_provider_does_not(files):
    assert not shareable(1, files)


def test_aliases_or_the_switch_turn_it_off(monkeypatch, tmp_path):
    assert not shareable(2, {})
    assert enabled()
    monkeypatch.setenv("PRODSTACK_SHARED_PROVIDER", "0")
    assert not enabled()
    binary = tmp_path / ".terraform/providers" / PROVIDER / "5.100.0/linux_amd64"
    binary.mkdir(parents=True)
    (binary / "terraform-provider-aws_v5.100.0_x5").write_text("#!/bin/sh\nexit 1\n")
    assert start(tmp_path, tmp_path, {}) is None  # switched off: nothing is started
