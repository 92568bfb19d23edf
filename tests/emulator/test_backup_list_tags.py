"""prodstack.runtime.moto_patches.backup_list_tags"""

from __future__ import annotations

import pytest
from botocore.awsrequest import AWSRequest

from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator


def tags_read_without_the_trailing_slash(client: Client, name: str) -> dict[str, str]:
    """A vault tagged at create; its tags read as the AWS provider asks (no trailing slash)."""
    backup = client("backup")
    arn = backup.create_backup_vault(BackupVaultName=name,
                                     BackupVaultTags={"team": "web"})["BackupVaultArn"]

    def without_slash(request: AWSRequest, **_: object) -> None:
        request.url = request.url.rstrip("/")

    backup.meta.events.register("before-send.backup.ListTags", without_slash)
    try:
        return dict(backup.list_tags(ResourceArn=arn)["Tags"])
    finally:
        backup.meta.events.unregister("before-send.backup.ListTags", without_slash)


def test_tags_are_read_whichever_path_form(aws: Client):
    assert tags_read_without_the_trailing_slash(aws, "tags-vault") == {"team": "web"}
    assert aws("backup").list_tags(ResourceArn=aws("backup").describe_backup_vault(
        BackupVaultName="tags-vault")["BackupVaultArn"])["Tags"] == {"team": "web"}


def test_still_needed(unpatched: Client):
    still_needed(tags_read_without_the_trailing_slash(unpatched, "probe-vault") == {},
                 "backup_list_tags", "ListTags without the trailing slash")
