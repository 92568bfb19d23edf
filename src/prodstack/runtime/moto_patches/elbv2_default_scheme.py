"""CreateLoadBalancer: a load balancer created without `Scheme` is internet-facing.

moto: the response layer passes the request's `Scheme` on as it is, so a load balancer
created without one (the AWS provider sends none when `internal = false`) has no scheme, and
DescribeLoadBalancers answers without `Scheme`.
AWS (Elastic Load Balancing API reference, "CreateLoadBalancer"): "The default is an
Internet-facing load balancer."
"""

from __future__ import annotations

from typing import Any

from moto.elbv2.models import ELBv2Backend

MOTO_VERSION = "5.2.5"


def apply() -> None:
    create = ELBv2Backend.create_load_balancer

    def create_with_default_scheme(self: ELBv2Backend, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("scheme") is None:
            kwargs["scheme"] = "internet-facing"
        return create(self, *args, **kwargs)

    ELBv2Backend.create_load_balancer = create_with_default_scheme  # type: ignore[method-assign]
