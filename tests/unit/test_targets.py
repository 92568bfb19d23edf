"""Targets: emulator-only adjustments stay in the local target; aws gets the S3 backend."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from prodstack.config.load import load_settings
from prodstack.platform.local import (
    IGNORE_CHANGES,
)
from prodstack.stack.synth import write
from prodstack.tf.document import BACKEND_FILE, MAIN_FILE
from tests.conftest import AWS_SETS, resources


def test_local_points_every_service_at_the_emulator_variable(synth):
    doc = synth()
    provider = doc["provider"]["aws"][0]
    assert set(provider["endpoints"][0].values()) == {"${var.emulator_endpoint}"}
    assert provider["skip_requesting_account_id"] is False
    assert provider["max_retries"] == 3
    assert "backend" not in doc["terraform"]


def test_aws_target_has_no_emulator_adjustment(synth):
    doc = synth("production", "aws")
    provider = doc["provider"]["aws"][0]
    for key in ("endpoints", "access_key", "secret_key", "skip_credentials_validation",
                "max_retries"):
        assert key not in provider
    assert "emulator_endpoint" not in doc.get("variable", {})
    assert "aws_route53_zone" not in doc["resource"]
    for (type_, name), attrs in IGNORE_CHANGES.items():
        ignored = resources(doc, type_)[name].get("lifecycle", {}).get("ignore_changes", [])
        assert not set(attrs) & set(ignored), (type_, name)


def test_local_applies_every_adjustment(synth):
    doc = synth()
    for (type_, name), attrs in IGNORE_CHANGES.items():
        assert set(attrs) <= set(resources(doc, type_)[name]["lifecycle"]["ignore_changes"])
    zone = resources(doc, "aws_route53_zone")["demo"]
    assert zone["name"] == "prodstack-demo.test"


def test_fm_1_2_1_3_backend_is_complete_and_locks(tmp_path: Path):
    settings = load_settings(env="staging", target="aws", overrides=AWS_SETS)
    write(settings, tmp_path)
    backend = json.loads((tmp_path / BACKEND_FILE).read_text())["terraform"]["backend"]["s3"]
    assert backend == {"bucket": "acme-tf-state",
                       "key": "prodstack/staging/us-west-1/terraform.tfstate",
                       "region": "us-west-1", "encrypt": True, "use_lockfile": True}
    main = json.loads((tmp_path / MAIN_FILE).read_text())
    assert "backend" not in main["terraform"]


def test_writing_the_stack_leaves_its_backend_in_the_document(tmp_path: Path):
    """Commands that lock the S3 state read the backend from the built stack after writing it."""
    from prodstack.stack.compose import build
    from prodstack.stack.synth import write_stack

    stack = build(load_settings(env="dev", overrides=["state_bucket=team-state"]))
    write_stack(stack, tmp_path)
    assert stack.doc.terraform["backend"]["s3"]["use_lockfile"] is True
    assert "backend" not in json.loads((tmp_path / MAIN_FILE).read_text())["terraform"]
    assert (tmp_path / BACKEND_FILE).exists()


def test_switching_to_local_removes_a_stale_backend_file(tmp_path: Path):
    write(load_settings(target="aws", overrides=AWS_SETS), tmp_path)
    write(load_settings(target="local"), tmp_path)
    assert not (tmp_path / BACKEND_FILE).exists()


def test_synth_is_deterministic(tmp_path: Path):
    """Two processes with different hash seeds write the same bytes (set order never leaks)."""
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        subprocess.run([sys.executable, "-m", "prodstack", "synth", "--out", str(out)],
                       check=True, capture_output=True,
                       env={**os.environ, "PYTHONHASHSEED": seed,
                            "PRODSTACK_HOME": str(tmp_path / "home")})
        outputs.append((out / MAIN_FILE).read_text())
    assert outputs[0] == outputs[1]


def _inventory(doc: dict) -> set[tuple[str, str]]:
    return {(type_, name) for type_, bodies in doc["resource"].items() for name in bodies}


def test_local_applies_every_resource_the_aws_target_does(synth):
    """The emulator runs the whole stack: nothing is left out of the local target."""
    for env in ("production", "staging", "dev"):
        local, aws = _inventory(synth(env)), _inventory(synth(env, "aws"))
        assert aws - local == set(), sorted(aws - local)
        assert local - aws == {("aws_route53_zone", "demo")}


def test_no_target_or_environment_branches_outside_their_modules():
    """Targets and profiles own the differences: no `target ==` / `env ==` anywhere else."""
    src = Path(__file__).parents[2] / "src" / "prodstack"
    owners = {src / "platform", src / "runtime" / "targets.py", src / "config" / "targets.py",
              src / "config" / "profiles.py"}
    found = []
    for path in src.rglob("*.py"):
        if any(path == o or o in path.parents for o in owners):
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\b(target|env)\s*[!=]=\s*[\"']", line):
                found.append(f"{path.relative_to(src)}:{n}: {line.strip()}")
    assert not found, found
