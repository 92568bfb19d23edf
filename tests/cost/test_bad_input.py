"""`prodstack cost` on hostile input: one line on stderr and exit 2, or a correct report.

Symbolic link loops in a folder, JSON nested deeper than the stack or numbers longer than
Python reads, prices of `Infinity`, changes whose `after` is null.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from prodstack.tf.offline_plan import _copy_config, config_files
from tests.cost.conftest import assert_one_line_error, invoke


def _folder_with(tmp_path: Path, *links: tuple[str, str]) -> Path:
    folder = tmp_path / "stack"
    folder.mkdir()
    (folder / "main.tf").write_text('resource "aws_sns_topic" "t" {}\n')
    for name, target in links:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, folder / name)
    return folder


@pytest.mark.parametrize(("link", "target"), [("self", "self"), ("sub/up", ".."),
                                              ("a/down", "../a")])
def test_symlink_loop_in_a_folder_is_one_line_naming_it(home, tmp_path, link, target):
    folder = _folder_with(tmp_path, (link, target))
    result = invoke(str(folder))
    assert_one_line_error(result, f"{folder / link}: a symbolic link loop")
    assert len(result.stderr) < len(f"prodstack: error: {folder / link}") + 40, result.stderr
    assert not (home / "emulator.json").exists(), "no emulator for a folder that cannot be read"


def test_broken_link_and_special_file_are_one_line(home, tmp_path):
    folder = _folder_with(tmp_path, ("gone.tf", "nowhere.tf"))
    assert_one_line_error(invoke(str(folder)), f"{folder / 'gone.tf'}: a broken symbolic link")
    (folder / "gone.tf").unlink()
    os.mkfifo(folder / "pipe")
    assert_one_line_error(invoke(str(folder)), f"{folder / 'pipe'}: not a file or a folder")


def test_folder_copy_follows_links_inside_the_folder_only(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.tf").write_text("# not part of the stack\n")
    (outside / "shared.tf").write_text("# linked in\n")
    folder = _folder_with(tmp_path, ("modules/web", "../common"), ("out", "../outside"),
                          ("shared.tf", "../outside/shared.tf"))
    (folder / "common").mkdir()
    (folder / "common" / "main.tf").write_text("# module\n")
    (folder / ".terraform").mkdir()
    (folder / ".terraform" / "x.tf").write_text("")
    (folder / "terraform.tfstate").write_text("{}")
    assert [rel for rel, _ in config_files(folder)] == [
        "common/main.tf", "main.tf", "modules/web/main.tf", "shared.tf"]
    copy = tmp_path / "copy"
    copy.mkdir()
    _copy_config(folder, copy)
    assert (copy / "modules" / "web" / "main.tf").read_text() == "# module\n"
    assert not (copy / "shared.tf").is_symlink()  # a link to a file becomes the file
    assert (copy / "shared.tf").read_text() == "# linked in\n"
    assert not (copy / "out").exists()
