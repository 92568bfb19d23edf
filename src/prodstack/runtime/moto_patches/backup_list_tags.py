"""ListTags: read the resource's ARN from the path whether or not it ends in a slash.

moto: ListTags takes the ARN as the second-to-last path segment, which is right for boto3's
`/tags/<arn>/` and wrong for the AWS provider's `/tags/<arn>`: the provider then reads no tags
for a backup vault, plan or restore testing plan, and every re-plan shows `tags_all` changing
(the plugin-framework resources even against `ignore_changes`).
AWS (AWS Backup API reference, "ListTags"): `GET /tags/{resourceArn}/`; the resource's tags,
whichever form of the path the client sends.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

from moto.backup.responses import BackupResponse

MOTO_VERSION = "5.2.5"


def list_tags(self: BackupResponse) -> str:
    resource_arn = unquote(self.path.split("/tags/", 1)[1].rstrip("/"))
    return json.dumps({"Tags": self.backup_backend.list_tags(resource_arn=resource_arn)})


def apply() -> None:
    BackupResponse.list_tags = list_tags  # type: ignore[method-assign]
