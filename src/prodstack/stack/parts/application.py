"""The application's configuration: SSM parameters under `/<project>/<env>/app/`.

One String parameter per key of `/etc/prodstack/app.env` (the bootstrap reads them all by
path at boot): where the database is (host, port, name), the ARN of its RDS-managed secret,
the data bucket, the region, the environment, the port to listen on, and the user's
`app_environment` values. None
is a secret: the database password stays in the secret, which the instance role reads at run
time, so neither user data nor these parameters ever hold it. The values are written as
`insecure_value` (not marked sensitive) so that a plan shows them and the audit can read
them; the web tier's instance role may read exactly this path (see `stack.webtier`).
"""

from __future__ import annotations

from dataclasses import dataclass

from prodstack.config.naming import (
    APP_PORT,
    AWS_REGION,
    DATA_BUCKET,
    DB_HOST,
    DB_NAME,
    DB_PORT,
    DB_SECRET_ARN,
    PRODSTACK_ENV,
)
from prodstack.stack.context import Context
from prodstack.stack.parts.database import Database
from prodstack.stack.parts.foundation import Base
from prodstack.stack.parts.storage import Storage
from prodstack.tf.document import Block

LABEL_PREFIX = "app_"  # aws_ssm_parameter.app_db_host, …


@dataclass(frozen=True)
class Application:
    path: str  # the SSM path of the configuration
    path_arns: list[str]  # the path itself (GetParametersByPath) and the parameters under it
    parameters: dict[str, Block]  # app.env key -> its parameter
    port: int  # what the instances serve, behind the target groups
    demo_page: bool  # prodstack's demo page, not the user's application
    data_bucket_arn: str  # the bucket the application may use (DATA_BUCKET)


def label(key: str) -> str:
    return LABEL_PREFIX + key.lower()


def build(ctx: Context, r: Base, storage: Storage, db: Database) -> Application:
    s, names = ctx.settings, ctx.names
    instance = db.instance
    values: dict[str, tuple[str, str]] = {
        DB_HOST: (instance["address"], "The database's host name (private)"),
        DB_PORT: (instance["port"], "The database's port"),
        DB_NAME: (instance["db_name"], "The database's name"),
        DB_SECRET_ARN: (db.secret_arn, "ARN of the RDS-managed secret with the database's "
                                       "user name and password (read it at run time)"),
        DATA_BUCKET: (storage.data.bucket.id, "The application's data bucket"),
        AWS_REGION: (s.region, "The AWS region"),
        PRODSTACK_ENV: (s.env, "The environment profile"),
        APP_PORT: (str(s.effective_app_port), "The port the load balancer sends to"),
    }
    for key, value in s.app_environment:
        values[key] = (value, "From app_environment")
    parameters = {
        key: ctx.doc.resource(
            "aws_ssm_parameter", label(key), name=names.app_parameter(key), type="String",
            tier="Standard", insecure_value=value,
            description=f"{description}; written to app.env by the bootstrap",
            tags=ctx.tags("app-config"))
        for key, (value, description) in values.items()
    }
    base = f"arn:{r.partition}:ssm:{r.region}:{r.account_id}:parameter{names.app_parameter_path}"
    return Application(path=names.app_parameter_path, path_arns=[base, f"{base}/*"],
                       parameters=parameters, port=s.effective_app_port,
                       demo_page=s.demo_page, data_bucket_arn=storage.data.arn)
