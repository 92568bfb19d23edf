#!/bin/bash
# The example application: a Python web server on APP_PORT (8080), run by systemd as its own
# user with the configuration prodstack's bootstrap wrote to /etc/prodstack/app.env (it runs
# before this script). GET /healthz answers the load balancer's health check; GET / shows
# the configuration the instance found.
set -euo pipefail
useradd --system --no-create-home --shell /sbin/nologin example-app 2>/dev/null || true
chgrp example-app /etc/prodstack/app.env  # root owns it (0640); the app's group may read it
install -d -m 0755 /opt/example-app
cat > /opt/example-app/app.py <<'PY'
"""The example application: /healthz for the load balancer, / shows the configuration."""

import http.server
import json
import os

ENV_FILE = os.environ.get("PRODSTACK_APP_ENV", "/etc/prodstack/app.env")


def configuration(path=ENV_FILE):
    """app.env: KEY=VALUE lines; a value is everything after the first '='."""
    values = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep and key:
                values[key] = value
    return values


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/healthz":
            self.reply(200, "text/plain", "ok\n")
        elif self.path == "/":
            c = configuration()
            page = {"greeting": c.get("GREETING"), "environment": c.get("PRODSTACK_ENV"),
                    "instance": c.get("INSTANCE_ID"), "zone": c.get("AVAILABILITY_ZONE"),
                    "database": f"{c.get('DB_HOST')}:{c.get('DB_PORT')}/{c.get('DB_NAME')}",
                    "sessions_table": c.get("SESSIONS_TABLE")}
            self.reply(200, "application/json", json.dumps(page, indent=1) + "\n")
        else:
            self.reply(404, "text/plain", "not found\n")

    def reply(self, code, content_type, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    port = int(configuration().get("APP_PORT", "8080"))
    http.server.ThreadingHTTPServer(("", port), Handler).serve_forever()
PY
cat > /etc/systemd/system/example-app.service <<'UNIT'
[Unit]
Description=prodstack example application
After=network-online.target

[Service]
User=example-app
Group=example-app
ExecStart=/usr/bin/python3 /opt/example-app/app.py
Restart=always

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now example-app
