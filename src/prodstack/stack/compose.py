"""The production stack: settings in, a Terraform document out, one module per part.

`build` composes the parts explicitly: each part takes the outputs of the parts it depends
on as arguments and returns a typed record of what it made, so the wiring is visible here.
Then, in this order: the outputs and `local.prodstack`; the user's extension (`extend`,
`prodstack.stack.app.extension`); the target's adjustments (`Target.adjust`); the user's own
Terraform folder (`extra_config`, `prodstack.stack.app.extra`), checked against the finished
document and kept in `Stack.extra_files` for the working folder. Every command that
synthesizes, plans, applies, audits or prices the stack builds it here, so extensions and
extra configuration apply everywhere alike.
"""

from __future__ import annotations

from prodstack.config import record
from prodstack.config.settings import Settings
from prodstack.core.errors import UserError
from prodstack.platform import platform_for
from prodstack.platform.endpoints import check_endpoints
from prodstack.stack import outputs
from prodstack.stack.app import extension, extra
from prodstack.stack.built import Stack
from prodstack.stack.context import Context
from prodstack.stack.parts import (
    application,
    audit,
    database,
    edge,
    foundation,
    keys,
    monitoring,
    network,
    operations,
    storage,
    webtier,
)
from prodstack.tf.document import Document


def build(settings: Settings) -> Stack:
    """The stack for these settings, extended, adjusted for the target, with its extra files."""
    target = platform_for(settings)
    ctx = Context(Document(), settings)
    base = foundation.build(ctx, target_zone=None if settings.hosted_zone_id
                            else target.hosted_zone(settings, ctx.doc))
    keys_ = keys.build(ctx, base)
    net = network.build(ctx, base, keys_)
    store = storage.build(ctx, base, keys_)
    edge_ = edge.build(ctx, base, keys_, net, store)
    db = database.build(ctx, base, keys_, net)
    app = application.build(ctx, base, store, db)
    web = webtier.build(ctx, base, keys_, net, edge_, db, app)
    trail = audit.build(ctx, base, keys_, store)
    watch = monitoring.build(ctx, base, keys_, net, edge_, web, db, trail)
    ops = operations.build(ctx, base, keys_, db)
    stack = Stack(settings=settings, doc=ctx.doc, base=base, keys=keys_, network=net,
                  storage=store, edge=edge_, database=db, application=app, webtier=web,
                  audit=trail, monitoring=watch, operations=ops)
    outputs.build(ctx, stack)
    ours = set(stack.doc.addresses())
    extension.run(settings, stack)
    extended = set(stack.doc.addresses()) - ours
    try:
        target.adjust(settings, stack.doc)
    except KeyError as exc:  # only an extension can take out what the target adjusts
        if not settings.extend:
            raise
        raise UserError(f"extension {settings.extend!r}: the {target.name} target adjusts "
                        f"what it removed ({exc.args[0]})", exit_code=2) from None
    # The record's name is prodstack's before the extra files are checked; its value needs them.
    ctx.doc.output(record.RECORD_OUTPUT, {}, record.DESCRIPTION)
    stack.extra_files = extra.files_for(settings.extra_config, stack.doc)
    declared = extra.declared(stack.extra_files)
    webtier.start_after(stack.doc, web, [
        d.address for d in declared
        if d.kind == "resource" and d.labels[:1] == ("aws_ssm_parameter",)])
    own_keys = dict(settings.app_environment)
    stack.user_resources = sorted(
        extended | {d.address for d in declared if d.kind == "resource"}
        | {p.address for key, p in app.parameters.items() if key in own_keys})
    ctx.doc.output(record.RECORD_OUTPUT, record.of(settings, stack.user_resources),
                   record.DESCRIPTION)
    if not settings.extra_config:
        check_endpoints(stack.doc)
    return stack
