"""What the audit reads from a configuration folder: backends and `ignore_changes`."""

from __future__ import annotations

import json
from pathlib import Path

from prodstack.tf.folder import read_folder, read_texts
from prodstack.tf.hcl_blocks import EXPR, parse_hcl

FIXTURES = Path(__file__).parent / "fixtures"


def test_hcl_backend_block_with_comments_strings_and_heredocs() -> None:
    text = '''
    # a comment with { braces
    locals {
      policy = <<EOF
    { "not": "a block" }
    EOF
      name = "${var.project}-{x}"  // template with braces
    }
    terraform {
      required_version = ">= 1.10"
      /* block comment } */
      backend "s3" {
        bucket       = "acme-state"
        key          = "app/terraform.tfstate"
        region       = "us-west-1"
        use_lockfile = true
      }
    }
    '''
    body = parse_hcl(text)
    terraform = next(b for b in body.blocks if b.type == "terraform")
    backend = terraform.blocks[0]
    assert (backend.type, backend.labels) == ("backend", ["s3"])
    assert backend.attrs == {"bucket": "acme-state", "key": "app/terraform.tfstate",
                             "region": "us-west-1", "use_lockfile": True}
    locals_ = next(b for b in body.blocks if b.type == "locals")
    assert locals_.attrs["name"] == EXPR


def test_one_line_and_empty_backend() -> None:
    config = read_texts({"a.tf": 'terraform {\n  backend "s3" {}\n}\n',
                         "b.tf": 'terraform {\n backend "s3" { bucket = "x" }\n}\n'})
    assert [(b.source, b.settings) for b in config.backends] == [("a.tf", {}),
                                                                 ("b.tf", {"bucket": "x"})]


def test_backend_config_files_and_json_backends(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text(json.dumps(
        {"terraform": {"backend": {"s3": {"bucket": "b"}}}}))
    (tmp_path / "prod.s3.tfbackend").write_text('key = "k"\nregion = "us-west-1"\n')
    config = read_folder(tmp_path)
    assert config.backends[0].settings == {"bucket": "b"}
    assert config.backend_config == {"key": "k", "region": "us-west-1"}
    assert config.backend_config_files == ["prod.s3.tfbackend"]


def test_ignore_changes_from_hcl_modules_and_json(tmp_path: Path) -> None:
    (tmp_path / "modules" / "asg").mkdir(parents=True)
    (tmp_path / "modules" / "asg" / "main.tf").write_text('''
    resource "aws_autoscaling_group" "this" {
      desired_capacity = 2
      lifecycle {
        ignore_changes = [desired_capacity, tags]
      }
    }
    ''')
    (tmp_path / "main.tf.json").write_text(json.dumps({"resource": {"aws_autoscaling_group": {
        "web": {"lifecycle": {"ignore_changes": ["desired_capacity"]}}}}}))
    config = read_folder(tmp_path)
    assert config.ignored("aws_autoscaling_group", "this", "desired_capacity")
    assert config.ignored("aws_autoscaling_group", "web", "desired_capacity")
    assert not config.ignored("aws_autoscaling_group", "other", "desired_capacity")
    assert config.backends == []  # module folders are not the root


def test_weak_stack_fixture_folder() -> None:
    config = read_folder(FIXTURES / "weak_stack")
    assert [(b.kind, b.settings, b.source) for b in config.backends] == [("s3", {}, "main.tf")]
    assert not config.ignored("aws_autoscaling_group", "worker", "desired_capacity")
