"""The emulator's server process: moto's application on 127.0.0.1, one request per connection.

moto's own launcher serves HTTP/1.1 keep-alive from werkzeug's development server, which now
and then closes a kept-alive connection under a client that is about to read from it: the
AWS SDK in Terraform then reports "use of closed network connection", or retries a request
that had in fact succeeded ("InvalidPermission.Duplicate"). Serving HTTP/1.0 (the server
closes every connection after its response) makes that race rare, though not gone under load
(see `workflow.apply_plan`); on loopback the extra connections cost nothing.

One fix to moto itself, applied in this process only: CreateLaunchTemplateVersion stores the
user data unparsed (CreateLaunchTemplate parses it), so an auto scaling group that launches
from such a version fails an assertion with HTTP 500. Versions get the same parsing here.

Run as `python -m prodstack.emulator_server PORT`; `prodstack.emulator` does that.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

from moto.core.types import Base64EncodedString
from moto.ec2.models.launch_templates import LaunchTemplate
from moto.ec2.utils import parse_user_data
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

HOST = "127.0.0.1"


class OneRequestPerConnection(MotoRequestHandler):
    protocol_version = "HTTP/1.0"


def _parse_version_user_data() -> None:
    create_version = LaunchTemplate.create_version

    def create_parsed_version(self: LaunchTemplate, data: dict[str, Any],
                              description: str) -> Any:
        user_data = data.get("UserData")
        if user_data is not None and not isinstance(user_data, Base64EncodedString):
            data = {**data, "UserData": parse_user_data(user_data)}
        return create_version(self, data, description)

    LaunchTemplate.create_version = create_parsed_version  # type: ignore[method-assign]


def main(argv: list[str]) -> None:
    port = int(argv[0])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    _parse_version_user_data()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(HOST, port, app, threaded=True, request_handler=OneRequestPerConnection)


if __name__ == "__main__":
    main(sys.argv[1:])
