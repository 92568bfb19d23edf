"""The on-disk cache of offline plans and validate results: a stale entry is never read."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from prodstack.tf import result_cache


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PRODSTACK_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_the_key_covers_every_file_and_part():
    base = result_cache.key({"main.tf.json": "{}"}, "provider-a", "terraform-1")
    assert base == result_cache.key({"main.tf.json": "{}"}, "provider-a", "terraform-1")
    assert base != result_cache.key({"main.tf.json": "{ }"}, "provider-a", "terraform-1")
    assert base != result_cache.key({"other.tf.json": "{}"}, "provider-a", "terraform-1")
    assert base != result_cache.key({"main.tf.json": "{}"}, "provider-b", "terraform-1")
    assert base != result_cache.key({"main.tf.json": "{}"}, "provider-a", "terraform-2")


def test_a_result_is_computed_once_and_read_after():
    calls: list[int] = []
    entry = result_cache.key({"a": "1"})

    def make() -> dict[str, int]:
        calls.append(1)
        return {"resources": 3}

    assert result_cache.cached("plans", entry, make) == {"resources": 3}
    assert result_cache.cached("plans", entry, make) == {"resources": 3}
    assert len(calls) == 1


def test_concurrent_processes_wait_for_the_first():
    calls: list[int] = []
    entry = result_cache.key({"a": "2"})

    def make() -> dict[str, int]:
        calls.append(1)
        time.sleep(0.3)
        return {"n": len(calls)}

    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(
        result_cache.cached("plans", entry, make))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1] and results == [{"n": 1}] * 3


def test_nothing_is_cached_without_a_key():
    calls: list[int] = []
    for _ in range(2):
        result_cache.cached("plans", None, lambda: calls.append(1) or {})
    assert len(calls) == 2


def test_no_provider_on_disk_means_no_key(tmp_path: Path):
    assert result_cache.provider_id(None, None, tmp_path / "empty-plugin-cache") is None
    mirror = tmp_path / "mirror" / "registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64"
    mirror.mkdir(parents=True)
    (mirror / "terraform-provider-aws_v5.100.0_x5").write_text("binary")
    found = result_cache.provider_id(str(tmp_path / "mirror"), None)
    assert found and "terraform-provider-aws_v5.100.0_x5" in found


def test_old_entries_are_pruned(monkeypatch: pytest.MonkeyPatch, _cache: Path):
    monkeypatch.setattr(result_cache, "KEEP", 2)
    for i in range(4):
        result_cache.cached("plans", result_cache.key({"i": str(i)}), lambda i=i: {"i": i})
        time.sleep(0.01)
    assert len(list((_cache / "plans").glob("*.json"))) == 2
