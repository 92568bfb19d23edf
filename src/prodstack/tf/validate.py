"""`terraform validate` of a synthesized stack, offline: no backend, no emulator, no credentials."""

from __future__ import annotations

from prodstack import synth
from prodstack.errors import UserError
from prodstack.paths import work_root
from prodstack.settings import Settings
from prodstack.tf.runner import Terraform


def validate_settings(settings: Settings) -> int:
    """Validate the stack for these settings; returns its resource count."""
    workdir = work_root() / "validate" / f"{settings.target}-{settings.env}"
    synth.write(settings, workdir)
    tf = Terraform(workdir=workdir, logs=workdir / "logs", plugin_mirror=settings.plugin_mirror,
                   plugin_dir=settings.plugin_dir, show_progress=False)
    tf.run("init", "-input=false", "-no-color", "-backend=false")
    result = tf.validate()
    if not result.get("valid"):
        diags = [d for d in result.get("diagnostics", []) if d.get("severity") == "error"]
        first = diags[0] if diags else {}
        where = first.get("address") or first.get("range", {}).get("filename", "")
        raise UserError(f"terraform validate: {first.get('summary', 'invalid')} {where}: "
                        f"{' '.join(str(first.get('detail', '')).split())}")
    return synth.build_document(settings).resource_count()
