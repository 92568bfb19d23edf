"""`terraform validate` on every profile and target (offline: no backend, no emulator)."""

from __future__ import annotations

import pytest

from prodstack.ops.validate import validate_settings
from tests.conftest import settings_for

pytestmark = pytest.mark.plan


@pytest.fixture(scope="module")
def home(tmp_path_factory, monkeypatch_module):
    path = tmp_path_factory.mktemp("validate-home")
    monkeypatch_module.setenv("PRODSTACK_HOME", str(path))
    return path


@pytest.mark.parametrize("target", ["local", "aws"])
@pytest.mark.parametrize("env", ["production", "staging", "dev"])
def test_terraform_validate(home, env, target):
    settings = settings_for(env, target)
    assert validate_settings(settings) > 100


def test_validate_reports_a_broken_document(home, monkeypatch):
    """The check can fail: a reference to a resource that does not exist is reported."""
    from prodstack.core.errors import UserError
    from prodstack.stack import outputs

    original = outputs.build

    def broken(ctx, stack):
        original(ctx, stack)
        ctx.doc.output("broken", "${aws_vpc.missing.id}", "refers to nothing")

    monkeypatch.setattr(outputs, "build", broken)
    with pytest.raises(UserError, match="terraform validate"):
        validate_settings(settings_for("dev", "local"))
