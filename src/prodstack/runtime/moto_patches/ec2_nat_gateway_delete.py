"""DeleteNatGateway: the gateway lets go of its Elastic IP address.

moto: a deleted NAT gateway keeps its address associated, so a new gateway on the same
allocation (Terraform's repair of a gateway deleted by hand) is refused with
Resource.AlreadyAssociated.
AWS (Amazon EC2 API reference, "DeleteNatGateway"): "Deleting a public NAT gateway
disassociates its Elastic IP address, but does not release the address from your account."
"""

from __future__ import annotations

from typing import Any

from moto.ec2.models.nat_gateways import NatGatewayBackend

MOTO_VERSION = "5.2.5"


def apply() -> None:
    delete = NatGatewayBackend.delete_nat_gateway

    def delete_and_disassociate(self: Any, nat_gateway_id: str) -> Any:
        gateway = delete(self, nat_gateway_id)
        allocations = [a["allocationId"] for a in gateway.address_set if a.get("allocationId")]
        for eip in self.address_by_allocation(allocations) if allocations else []:
            if eip.eni is not None and eip.eni.id == gateway._eni.id:
                self.disassociate_address(association_id=eip.association_id)
        return gateway

    NatGatewayBackend.delete_nat_gateway = delete_and_disassociate  # type: ignore[method-assign]
