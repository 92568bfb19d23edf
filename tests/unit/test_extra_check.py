"""The user's extra_config files, checked at synth (prodstack.stack.app.extra_check): a syntax error
or a `local.prodstack` name that does not exist is one line naming the user's own file and
line (not the working folder's copy, not at plan time), with the names that do exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from prodstack.config.load import load_settings
from prodstack.core.errors import UserError
from prodstack.stack.app.extra_check import check_hcl, line_of, unknown_locals
from prodstack.stack.compose import build

GOOD = '''\
# a comment with a "quote and local.prodstack.nothing
resource "aws_sqs_queue" "jobs" {
  name = "${local.prodstack.name_prefix}-jobs"  // trailing comment
  tags = merge(local.prodstack.tags, {
    Team = "a"
  })
  policy = <<EOT
{"x": "${var.y}"}
EOT
  names = [for s in aws_subnet.a[*].id : upper(s) if s != ""]
  count = var.on ? 1 : 0
  dynamic "x" {
    for_each = { for k, v in var.m : k => v }
    content { value = x.value }
  }
}
/* a block
   comment */
locals { flat = flatten(module.m[*].groups[*].name) }
'''


def test_well_formed_terraform_passes():
    assert check_hcl(GOOD) is None
    assert unknown_locals(GOOD, ["name_prefix", "tags"]) == []


@pytest.mark.parametrize(("text", "line", "what"), [
    ('resource "a" "b" {\n  x = 1\n', 1, "this block's `{` is never closed"),
    ('resource "a" "b" {\n  x = 1\n}\n}\n', 4, "a `}` that closes nothing"),
    ('resource "a" "b" {\n  bucket "x"\n}\n', 2, "expected `=` or `{` after 'bucket \"x\"'"),
    ('resource "a" "b" {\n  x = foo(1,\n}\n', 2, "the value of 'x' does not parse"),
    ('resource "a" "b" {\n  x = "a" "b"\n}\n', 2, "after the value of 'x'"),
    ('resource "a" "b" {\n  x = \n}\n', 2, "'x' has `=` but no value"),
    ('resource "a" "b" {\n  x = "open\n}\n', 2, "a string is not closed on its line"),
    ('resource "a" "b" {\n  x = "${var.y"\n}\n', 2, "a string is not closed"),
    ('resource "a" "b" {\n  x = "${var.y +}"\n}\n', 2, "interpolation that does not parse"),
    ('locals {}\n/* never\nclosed\n', 2, "a `/*` comment is never closed"),
])
def test_a_syntax_error_is_named_with_its_line(text: str, line: int, what: str):
    problem = check_hcl(text)
    assert problem is not None
    assert (line_of(text, problem.pos), what in problem.what) == (line, True), problem.what


def test_an_unknown_local_prodstack_name_is_named_with_the_closest():
    text = ('x = local.prodstack.vpcid\n# local.prodstack.commented_out\n'
            'y = "${local.prodstack.tags}"\n')
    assert unknown_locals(text, ["vpc_id", "tags"]) == [(1, "vpcid", "vpc_id")]


def _folder(tmp_path: Path, name: str, text: str) -> Path:
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / name).write_text(text)
    return infra


def test_synth_names_the_users_file_and_line(tmp_path: Path):
    infra = _folder(tmp_path, "queue.tf", 'resource "aws_sqs_queue" "jobs" {\n'
                    '  name = "jobs"\n  fifo_queue true\n}\n')
    with pytest.raises(UserError) as err:
        build(load_settings(env="dev", overrides=[f"extra_config={infra}"]))
    assert str(err.value) == (f"extra_config: {infra / 'queue.tf'}, line 3: expected `=` or "
                              "`{` after 'fifo_queue true', found the end of the line")
    assert err.value.exit_code == 2


def test_synth_names_a_local_that_does_not_exist_and_those_that_do(tmp_path: Path):
    infra = _folder(tmp_path, "sg.tf.json", '{"resource": {"aws_security_group": {"x": {\n'
                    '  "vpc_id": "${local.prodstack.vpc}"}}}}\n')
    with pytest.raises(UserError) as err:
        build(load_settings(env="dev", overrides=[f"extra_config={infra}"]))
    message = str(err.value)
    assert message.startswith(f"extra_config: {infra / 'sg.tf.json'}, line 2: "
                              "local.prodstack.vpc does not exist (did you mean vpc_id?); "
                              "local.prodstack has: ")
    assert "vpc_id" in message and "name_prefix" in message
