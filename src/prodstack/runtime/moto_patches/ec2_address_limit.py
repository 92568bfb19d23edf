"""AllocateAddress: five Elastic IP addresses per Region.

moto: AllocateAddress allocates any number of Elastic IP addresses.
AWS (Amazon EC2 User Guide, "Elastic IP address quota"; EC2 API reference, "Error codes for
the Amazon EC2 API"): an account has a quota of five Elastic IP addresses per Region (the
quota "EC2-VPC Elastic IPs", raised only on request); a sixth allocation is refused with
`AddressLimitExceeded` "The maximum number of addresses has been reached." (HTTP 400).
Released addresses no longer count.
"""

from __future__ import annotations

from typing import Any

from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models.elastic_ip_addresses import ElasticAddressBackend

MOTO_VERSION = "5.2.5"
QUOTA = 5
MESSAGE = "The maximum number of addresses has been reached."
REFUSES = (
    (f"A sixth Elastic IP address in a Region (the default quota is {QUOTA} per Region)",
     f"AddressLimitExceeded: {MESSAGE}",
     "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/elastic-ip-addresses-eip.html"
     "#using-instance-addressing-limit"),
)


class AddressLimitExceeded(EC2ClientError):
    code = "AddressLimitExceeded"
    message = MESSAGE


def apply() -> None:
    allocate = ElasticAddressBackend.allocate_address

    def allocate_within_quota(self: ElasticAddressBackend, *args: Any, **kwargs: Any) -> Any:
        if len(self.addresses) >= QUOTA:
            raise AddressLimitExceeded()
        return allocate(self, *args, **kwargs)

    ElasticAddressBackend.allocate_address = allocate_within_quota  # type: ignore[method-assign]
