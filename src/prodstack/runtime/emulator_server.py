"""The emulator's server process: moto's application on 127.0.0.1, one request per connection.

moto's own launcher serves HTTP/1.1 keep-alive from werkzeug's development server, which now
and then closes a kept-alive connection under a client that is about to read from it: the
AWS SDK in Terraform then reports "use of closed network connection", or retries a request
that had in fact succeeded ("InvalidPermission.Duplicate"). Serving HTTP/1.0 (the server
closes every connection after its response) makes that race rare, though not gone under load
(see `workflow.apply_plan`); on loopback the extra connections cost nothing.

Corrections to moto itself (`prodstack.runtime.moto_patches`, each pinned to the moto version it was
written against) are applied in this process only, before the application serves a request;
the strict ones (what AWS refuses) unless PRODSTACK_EMULATOR_STRICT is "0".

Run as `python -m prodstack.runtime.emulator_server PORT`; `prodstack.runtime.emulator` does that.
"""

from __future__ import annotations

import os
import signal
import sys

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

from prodstack.config.settings import STRICT_ENV
from prodstack.runtime import moto_patches

HOST = "127.0.0.1"


class OneRequestPerConnection(MotoRequestHandler):
    protocol_version = "HTTP/1.0"


def main(argv: list[str]) -> None:
    port = int(argv[0])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    moto_patches.apply_all(strict=os.environ.get(STRICT_ENV, "1") != "0")
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(HOST, port, app, threaded=True, request_handler=OneRequestPerConnection)


if __name__ == "__main__":
    main(sys.argv[1:])
