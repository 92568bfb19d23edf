"""The README's generated blocks (catalog table, emulator differences) are current."""

from __future__ import annotations

from pathlib import Path

import pytest

from prodstack.ops import readme

README = Path(__file__).parents[2] / "README.md"


def test_readme_generated_blocks_are_current():
    text = README.read_text()
    assert readme.render(text) == text, "run `python -m prodstack.ops.readme`"


def test_render_fills_an_empty_block_and_refuses_a_missing_one():
    text = "".join(f"<!-- generated: {name} -->\n<!-- end: {name} -->\n"
                   for name in readme.BLOCKS)
    text = text.replace("<!-- end: emulator", "STALE-ROW\n<!-- end: emulator")
    fresh = readme.render(text)
    assert "| FM-1.1 |" in fresh and "STALE-ROW" not in fresh
    assert readme.render(fresh) == fresh
    with pytest.raises(ValueError, match="emulator"):
        readme.render(text.replace("generated: emulator", "generated: something-else"))


def test_readme_documents_every_setting():
    from prodstack.config.settings import NOT_SETTABLE, SETTING_NAMES

    text = README.read_text()
    table = text[text.index("| setting | default | notes |"):]
    table = table[:table.index("\n\n")]
    missing = [name for name in SETTING_NAMES
               if name not in NOT_SETTABLE and f"`{name}`" not in table]
    assert not missing, missing
