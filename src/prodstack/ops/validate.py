"""`terraform validate` of a synthesized stack, offline: no backend, no emulator, no credentials."""

from __future__ import annotations

from typing import Any

from prodstack.config.settings import Settings
from prodstack.core.errors import UserError
from prodstack.core.paths import plugin_cache_dir, work_root
from prodstack.stack import synth
from prodstack.stack.compose import build
from prodstack.tf import provider_server, result_cache
from prodstack.tf.runner import Terraform


def validate_settings(settings: Settings) -> int:
    """Validate the stack for these settings; returns its resource count. Results are cached
    by everything they depend on (`result_cache`)."""
    stack = build(settings)
    files = synth.render_stack(stack)
    provider = result_cache.provider_id(settings.plugin_mirror, settings.plugin_dir,
                                        plugin_cache_dir())
    terraform = result_cache.terraform_id()
    entry = result_cache.key(files, "validate", provider, terraform) \
        if provider and terraform else None
    workdir = work_root() / "validate" / f"{settings.target}-{settings.env}"

    def validate() -> dict[str, Any]:
        synth.write_stack(stack, workdir)
        tf = Terraform(workdir=workdir, logs=workdir / "logs",
                       plugin_mirror=settings.plugin_mirror, plugin_dir=settings.plugin_dir,
                       show_progress=False)
        tf.run("init", "-input=false", "-no-color", "-backend=false")
        if provider_server.shareable(len(stack.doc.providers.get("aws", [])),
                                     stack.extra_files):
            tf.share_provider()  # validate starts the provider twice
        try:
            return tf.validate()
        finally:
            tf.stop_sharing()

    result = result_cache.cached("validate", entry, validate)
    if not result.get("valid"):
        diags = [d for d in result.get("diagnostics", []) if d.get("severity") == "error"]
        first = diags[0] if diags else {}
        where = first.get("address") or first.get("range", {}).get("filename", "")
        raise UserError(f"terraform validate: {first.get('summary', 'invalid')} {where}: "
                        f"{' '.join(str(first.get('detail', '')).split())}")
    return stack.doc.resource_count()
