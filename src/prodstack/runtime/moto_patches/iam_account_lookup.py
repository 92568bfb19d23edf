"""Account lookup: do not create an IAM backend for every partition on each request.

moto: every request looks up the caller's account by its access key in the IAM backend of
every partition (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-eusc), creating those that
do not exist yet; with AWS's managed policies loaded (MOTO_IAM_LOAD_MANAGED_POLICIES, which
the stack needs) each creation parses about a thousand policies, so the first request after
a start or a reset takes about 1.5 s, and a reset re-creates all six again.
AWS (IAM User Guide reference, "IAM identifiers"): an access key belongs to one account;
there is nothing to find in a partition the emulator never used. The lookup reads only the backends
that exist, which gives the same answer (a backend never created holds no access key).
"""

from __future__ import annotations

import moto.iam.models as iam_models
from moto.core import DEFAULT_ACCOUNT_ID

MOTO_VERSION = "5.2.5"


def apply() -> None:
    def get_account_id_from(access_key: str) -> str:
        for account_id, account in list(iam_models.iam_backends.items()):
            for partition in list(account.keys()):
                if access_key in account[partition].access_keys:
                    return account_id
        return DEFAULT_ACCOUNT_ID

    # moto.core.responses imports it from moto.iam.models at each call.
    iam_models.get_account_id_from = get_account_id_from
