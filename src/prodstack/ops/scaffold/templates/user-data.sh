#!/bin/bash
# Your application, started on every instance after prodstack's bootstrap (which wrote
# /etc/prodstack/app.env: the database's address, its secret's ARN, the data bucket, APP_PORT
# and your app_environment). This skeleton serves GET /healthz (the load balancer's health
# check, health_check_path in prodstack.toml) and GET / on APP_PORT, as its own user under
# systemd. Replace app.py with your application; docs/application.md says what it may use.
set -euo pipefail
useradd --system --no-create-home --shell /sbin/nologin app 2>/dev/null || true
chgrp app /etc/prodstack/app.env  # root owns it (0640); the app's group may read it
install -d -m 0755 /opt/app
cat > /opt/app/app.py <<'PY'
"""The application: /healthz for the load balancer, / for people."""

import http.server


def configuration(path="/etc/prodstack/app.env"):
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
            self.reply(200, "ok\n")
        elif self.path == "/":
            config = configuration()
            self.reply(200, f"{config.get('GREETING', 'hello')} from "
                            f"{config.get('PRODSTACK_ENV')} ({config.get('INSTANCE_ID')})\n")
        else:
            self.reply(404, "not found\n")

    def reply(self, code, text):
        data = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    port = int(configuration().get("APP_PORT", "8080"))
    http.server.ThreadingHTTPServer(("", port), Handler).serve_forever()
PY
cat > /etc/systemd/system/app.service <<'UNIT'
[Unit]
Description=the application
After=network-online.target

[Service]
User=app
Group=app
ExecStart=/usr/bin/python3 /opt/app/app.py
Restart=always

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now app
