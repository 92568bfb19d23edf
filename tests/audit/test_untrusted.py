"""Auditing someone else's Terraform runs nothing it brings: a folder with `data "external"`
(a program that writes a marker file), `data "http"` (a loopback URL that records requests)
and a provider outside the allowlist is audited with and without a plugin mirror: no marker,
no request, no `terraform init` and no provider fetched (a recording proxy stands in for the
registry), each named in the report with the setting that allows it, and the configuration
rules still run. Where `allow_providers` may come from, and what --allow-provider changes."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from prodstack.cli import cli
from prodstack.tf import modtree, scratch
from tests.audit.recorder import recorder


def _untrusted(folder: Path, url: str) -> Path:
    marker = folder / "MARKER"
    (folder / "main.tf").write_text(textwrap.dedent(f"""\
        terraform {{
          backend "s3" {{}}
          required_providers {{
            thing = {{ source = "acme/thing", version = "1.0.0" }}
          }}
        }}

        data "external" "marker" {{
          program = ["sh", "-c", "touch {marker}; echo '{{}}'"]
        }}

        data "http" "probe" {{
          url = "{url}/probe"
        }}

        resource "thing_widget" "w" {{}}

        resource "aws_sns_topic" "alerts" {{
          name = "alerts"
        }}
        """))
    return marker


def _refused(errors: list[str], provider: str) -> bool:
    return any(e.startswith(f"provider {provider} ") and "not on the provider allowlist" in e
               for e in errors)


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PRODSTACK_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.mark.parametrize("mirror", [True, False], ids=["with-mirror", "without-mirror"])
def test_nothing_the_folder_brings_runs(tmp_path: Path, home: Path,
                                        monkeypatch: pytest.MonkeyPatch, mirror: bool) -> None:
    folder = tmp_path / "cloned"
    folder.mkdir()
    if not mirror:
        monkeypatch.delenv("PRODSTACK_PLUGIN_MIRROR", raising=False)
        monkeypatch.delenv("PRODSTACK_PLUGIN_DIR", raising=False)
    with recorder() as (url, requests), recorder() as (proxy, fetched):
        marker = _untrusted(folder, url)
        for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
            monkeypatch.setenv(name, proxy)  # an init without a mirror would ask the registry
        monkeypatch.setenv("NO_PROXY", "")
        result = CliRunner().invoke(cli, ["audit", str(folder), "--format", "json"])
    assert not marker.exists() and requests == [] and fetched == []
    tree = modtree.read_tree(modtree.normal(folder.absolute()))
    assert not scratch.place(tree).base.exists()  # no copy, no init: Terraform never saw it
    assert result.exit_code == 1, result.output  # FM-1.2 and FM-1.3 count for --fail-on low
    data = json.loads(result.stdout)
    assert {f["id"] for f in data["findings"]} == {"FM-1.2", "FM-1.3"}
    assert data["resources"] == 0 and data["rules_run"] == ["FM-1.2", "FM-1.3"]
    assert "FM-3.3" in {s["id"] for s in data["skipped"]}
    errors = [e["error"] for e in data["root_errors"]]
    assert {e["root"] for e in data["root_errors"]} == {str(folder)}
    for provider, user in (("acme/thing", "thing_widget.w (main.tf:16)"),
                           ("hashicorp/external", "data.external.marker (main.tf:8)"),
                           ("hashicorp/http", "data.http.probe (main.tf:12)")):
        [line] = [e for e in errors if e.startswith(f"provider {provider} ")]
        assert user in line and "neither installed nor run" in line
        assert f"--allow-provider {provider}, or allow_providers = [\"{provider}\"]" in line
    assert "data.external.marker (main.tf:8) runs a program the configuration names when a " \
           "plan reads it: not run" in errors
    assert "data.http.probe (main.tf:12) fetches a URL when a plan reads it: not run" in errors
    assert "not planned, audited with its configuration rules only (5 reasons in the " \
           "report)" in result.stderr


def test_every_format_says_what_was_not_run(tmp_path: Path, home: Path) -> None:
    folder = tmp_path / "cloned"
    folder.mkdir()
    with recorder() as (url, requests):
        marker = _untrusted(folder, url)
        outputs = {fmt: CliRunner().invoke(cli, ["audit", str(folder), "--format", fmt])
                   for fmt in ("text", "sarif", "junit", "markdown")}
    assert not marker.exists() and requests == []
    for fmt, result in outputs.items():
        assert result.exit_code == 1, (fmt, result.output)
        for named in ("acme/thing", "data.external.marker", "data.http.probe", "FM-1.2"):
            assert named in result.stdout, (fmt, named)
    assert "NOT PLANNED: configuration rules only" in outputs["text"].stdout.splitlines()[0]
    assert "NOT PLANNED" in outputs["markdown"].stdout.splitlines()[0]
    run = json.loads(outputs["sarif"].stdout)["runs"][0]
    assert run["invocations"][0]["executionSuccessful"] is False


def test_a_provider_allowed_on_the_command_line_is_no_longer_refused(
        tmp_path: Path, home: Path) -> None:
    folder = tmp_path / "trusted"
    folder.mkdir()
    with recorder() as (url, requests):
        marker = _untrusted(folder, url)
        result = CliRunner().invoke(cli, ["audit", str(folder), "--format", "json",
                                          "--allow-provider", "acme/thing"])
    assert not marker.exists() and requests == []
    errors = [e["error"] for e in json.loads(result.stdout)["root_errors"]]
    assert not _refused(errors, "acme/thing") and _refused(errors, "hashicorp/external")


def test_the_folders_own_audit_file_cannot_allow_what_it_runs(tmp_path: Path,
                                                              home: Path) -> None:
    folder = tmp_path / "cloned"
    folder.mkdir()
    with recorder() as (url, requests):
        marker = _untrusted(folder, url)
        own = folder / "prodstack-audit.toml"
        own.write_text('allow_providers = ["hashicorp/external", "acme/thing"]\n')
        result = CliRunner().invoke(cli, ["audit", str(folder), "--format", "json"])
        assert not marker.exists() and requests == []
        errors = [e["error"] for e in json.loads(result.stdout)["root_errors"]]
        assert _refused(errors, "hashicorp/external") and _refused(errors, "acme/thing")
        assert f"{own} allows hashicorp/external, acme/thing: not honoured, since it comes " \
               "with the code being audited; name it with --suppressions to trust it" in errors
        named = CliRunner().invoke(cli, ["audit", str(folder), "--format", "json",
                                         "--suppressions", str(own)])
    errors = [e["error"] for e in json.loads(named.stdout)["root_errors"]]
    assert not _refused(errors, "hashicorp/external") and not _refused(errors, "acme/thing")
    assert not any("not honoured" in e for e in errors)


@pytest.mark.parametrize(("args", "expected"), [
    (["--allow-provider", "external"], "--allow-provider 'external': expected NAMESPACE/NAME"),
    (["--allow-provider", "a/b/c/d"], "--allow-provider 'a/b/c/d': expected NAMESPACE/NAME"),
])
def test_a_malformed_allow_provider_is_one_line(tmp_path: Path, args: list[str],
                                                expected: str) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sns_topic" "t" {}\n')
    result = CliRunner().invoke(cli, ["audit", str(tmp_path), *args])
    assert result.exit_code == 2 and f"prodstack: error: {expected}" in result.stderr
    assert "Traceback" not in result.output


def test_allow_provider_needs_a_folder(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text('{"format_version": "1.2", "planned_values": {}}')
    result = CliRunner().invoke(cli, ["audit", str(plan), "--allow-provider", "acme/thing"])
    assert result.exit_code == 2
    assert "--allow-provider applies to the offline plan of a folder" in result.stderr


def test_a_malformed_allow_providers_in_the_named_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sns_topic" "t" {}\n')
    toml = tmp_path / "audit.toml"
    toml.write_text('allow_providers = "acme/thing"\n')
    result = CliRunner().invoke(cli, ["audit", str(tmp_path), "--suppressions", str(toml)])
    assert result.exit_code == 2
    assert f"{toml}: allow_providers must be a list of" in result.stderr


def test_cost_refuses_the_same_providers_and_takes_the_same_setting(tmp_path: Path,
                                                                    home: Path) -> None:
    folder = tmp_path / "cloned"
    folder.mkdir()
    with recorder() as (url, requests):
        marker = _untrusted(folder, url)
        result = CliRunner().invoke(cli, ["cost", str(folder), "--allow-provider", "acme/thing"])
    assert not marker.exists() and requests == []
    assert result.exit_code == 2 and "Traceback" not in result.output
    [error] = [ln for ln in result.stderr.splitlines() if ln.startswith("prodstack: error:")]
    assert "provider hashicorp/external (used by data.external.marker (main.tf:8))" in error
    assert "--allow-provider hashicorp/external" in error
    assert "provider acme/thing (used by" not in error  # allowed: not refused


def test_a_malformed_named_file_is_one_line_in_a_recursive_audit_too(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sns_topic" "t" {}\n')
    toml = tmp_path / "audit.toml"
    toml.write_text("allow_providers = [\n")
    result = CliRunner().invoke(cli, ["audit", str(tmp_path), "--recursive",
                                      "--suppressions", str(toml)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"prodstack: error: {toml}: not valid TOML" in result.stderr
