"""AWS regions: which exist (a misspelt name is refused before Terraform runs, with the
closest one named), and which have an Elastic Load Balancing account for access logs.

Load balancers deliver access logs to S3 as the region's Elastic Load Balancing account in the
regions opened before August 2022, and as the log-delivery service principal
(`logdelivery.elasticloadbalancing.amazonaws.com`) in the others (Elastic Load Balancing user
guide, "Enable access logs for your Application Load Balancer", bucket policy). The AWS
provider's `aws_elb_service_account` data source knows the accounts of the former and refuses
the latter ("unsupported AWS Region"), so the stack reads it only where it exists.
"""

from __future__ import annotations

import difflib

ELB_ACCOUNT_REGIONS = frozenset({
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1",
    "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1",
    "ap-southeast-2", "ap-southeast-3", "ca-central-1", "eu-central-1", "eu-west-1",
    "eu-west-2", "eu-west-3", "eu-south-1", "eu-north-1", "me-south-1", "sa-east-1",
    "us-gov-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1",
})
# Every region the pinned AWS provider (5.100) knows, the older ones above included.
REGIONS = ELB_ACCOUNT_REGIONS | frozenset({
    "ap-south-2", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7", "ap-east-2",
    "ca-west-1", "eu-central-2", "eu-south-2", "il-central-1", "me-central-1", "mx-central-1",
})


def has_elb_account(region: str) -> bool:
    return region in ELB_ACCOUNT_REGIONS


def unknown(region: str) -> str | None:
    """Why `region` is not a region (with the closest name), or None when it is one."""
    if region in REGIONS:
        return None
    close = difflib.get_close_matches(region, sorted(REGIONS), n=1, cutoff=0.75)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{region!r} is not an AWS region the provider knows{hint}"
