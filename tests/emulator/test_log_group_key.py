"""prodstack.runtime.moto_patches.log_group_key"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import REGION, Client, still_needed
from tests.emulator.service_policies import ACCOUNT, error, key, stmt

pytestmark = pytest.mark.emulator

LOGS_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                "kms:Describe*"]


def logs_statement(arn_pattern: str, region: str = REGION) -> dict:
    """AWS's documented key policy statement for CloudWatch Logs."""
    return stmt({"Service": f"logs.{region}.amazonaws.com"}, LOGS_ACTIONS, "*",
                {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": arn_pattern}})


def test_the_key_must_let_cloudwatch_logs_use_it_for_the_group(aws: Client):
    logs = aws("logs")
    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/lgk/refused"
    other_group = logs_statement(f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/lgk/app")
    other_region = logs_statement(f"arn:aws:logs:eu-west-1:{ACCOUNT}:*", region="eu-west-1")
    missing = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000"
    for key_id in (key(aws), key(aws, other_group), key(aws, other_region), missing):
        with pytest.raises(ClientError) as exc:
            logs.create_log_group(logGroupName="/lgk/refused", kmsKeyId=key_id)
        assert error(exc) == ("AccessDeniedException", "The specified KMS key does not exist "
                              f"or is not allowed to be used with Arn '{group}'")
    good = key(aws, logs_statement(f"arn:aws:logs:{REGION}:{ACCOUNT}:*"))
    logs.create_log_group(logGroupName="/lgk/accepted", kmsKeyId=good)
    [made] = logs.describe_log_groups(logGroupNamePrefix="/lgk/accepted")["logGroups"]
    assert made["kmsKeyId"] == good


def accepts_a_key_without_a_logs_statement(client: Client) -> bool:
    try:
        client("logs").create_log_group(logGroupName="/probe", kmsKeyId=key(client))
    except ClientError:
        return False
    return True


def test_still_needed(unpatched: Client):
    still_needed(accepts_a_key_without_a_logs_statement(unpatched), "log_group_key",
                 "CreateLogGroup's key policy check")
