"""Ports and size limits: the ports the stack uses itself, the range an application may take,
and the limits AWS sets on what the application hands prodstack (user data, parameters).

The stack's security groups, target groups and listeners read their ports from here, and
settings validation refuses an `app_port` that would collide with one of them.
"""

from __future__ import annotations

HTTP_PORT = 80  # the ALB's HTTP listener (a redirect), and what the instances serve by default
HTTPS_PORT = 443  # the ALB's HTTPS listener; the instances' egress (packages, AWS APIs)
DB_PORT = 5432  # PostgreSQL: web tier to database
APP_PORT_MIN, APP_PORT_MAX = 1024, 65535  # below 1024 a process needs root to listen

# Ports an application may not take, with the reason a user is told.
RESERVED_PORTS: dict[int, str] = {
    22: "22 is SSH's port",
    HTTP_PORT: f"{HTTP_PORT} is what the instances serve when app_port is unset (the demo "
               "page, or your app): leave app_port unset to use it",
    HTTPS_PORT: f"{HTTPS_PORT} is the ALB's HTTPS port and the web tier's HTTPS egress",
    DB_PORT: f"{DB_PORT} is the database's port (the web tier's security group sends it to "
             "the database)",
}

# PostgreSQL's major version: the database's engine (stack/parts/database.py) and the psql
# client the instances install (config/userdata.py).
ENGINE_MAJOR = "16"

USER_DATA_LIMIT = 16 * 1024  # EC2: user data at most 16 KB before base64
SSM_VALUE_LIMIT = 4096  # a Standard-tier SSM parameter's value, in characters
