"""Target health follows the registered instances; an ASG deregisters what it terminates.

moto: `DescribeTargetHealth` reports a registered instance `healthy` whatever its state once
it is terminated or shutting down (only `stopped` is recognised), and an Auto Scaling group
never deregisters instances from its target groups: instances it terminated (scale-in,
deletion, DetachInstances) stay registered, and so stay "healthy" targets. An instance
replaced after TerminateInstances is not registered either.
AWS (ELBv2 API reference, "DescribeTargetHealth", "TargetHealth"; Auto Scaling user guide,
"Attach a load balancer"): a stopped or stopping instance is `unused`
(`Target.InvalidState`); a terminated or terminating one is deregistered (`draining`,
`Target.DeregistrationInProgress`) and then no longer listed; a pending one is `initial`. An
Auto Scaling group registers the instances it launches with its target groups and
deregisters the instances it terminates or detaches.
"""

from __future__ import annotations

from typing import Any

from moto.autoscaling.models import AutoScalingBackend
from moto.ec2.models import EC2Backend
from moto.elbv2.exceptions import TargetGroupNotFoundError
from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup

MOTO_VERSION = "5.2.5"
GONE = ("shutting-down", "terminated")
STOPPED = ("stopping", "stopped")


def health_for(self: FakeTargetGroup, target: dict[str, Any], ec2_backend: EC2Backend,
               original: Any) -> FakeHealthStatus:
    health = original(self, target, ec2_backend)
    registered = self.targets.get(target["Id"])
    if health.status != "healthy" or registered is None or not target["Id"].startswith("i-"):
        return health
    instance = ec2_backend.get_instance_by_id(target["Id"])
    state = instance.state if instance is not None else "terminated"
    port, check_port = registered["Port"], self.health_check_port
    if state in GONE:
        self.deregister_terminated_instances([target["Id"]])
        return FakeHealthStatus(target["Id"], port, check_port, "draining",
                                "Target.DeregistrationInProgress",
                                "Target deregistration is in progress")
    if state in STOPPED:
        return FakeHealthStatus(target["Id"], port, check_port, "unused",
                                "Target.InvalidState", "Target is in the stopped state")
    if state == "pending":
        return FakeHealthStatus(target["Id"], port, check_port, "initial",
                                "Elb.RegistrationInProgress",
                                "Target registration is in progress")
    return health


def _deregister_removed(backend: AutoScalingBackend, group_name: str) -> None:
    """Deregister, from the group's target groups, the instances that left the group."""
    group = backend.autoscaling_groups.get(group_name)
    if group is None:
        return
    current = {state.instance.id for state in group.instance_states}
    previous: set[str] = getattr(group, "prodstack_registered_instances", set())
    group.prodstack_registered_instances = current  # type: ignore[attr-defined]
    removed = sorted(previous - current)
    if not removed:
        return
    for arn in group.target_group_arns:
        try:
            target_group = backend.elbv2_backend.describe_target_groups(
                target_group_arns=[arn], load_balancer_arn=None, names=None)[0]
        except TargetGroupNotFoundError:
            continue  # deleted before its group, as moto allows
        target_group.deregister_terminated_instances(removed)


def apply() -> None:
    original_health_for = FakeTargetGroup.health_for

    def patched_health_for(self: FakeTargetGroup, target: dict[str, Any],
                           ec2_backend: EC2Backend) -> FakeHealthStatus:
        return health_for(self, target, ec2_backend, original_health_for)

    FakeTargetGroup.health_for = patched_health_for  # type: ignore[method-assign]

    update = AutoScalingBackend.update_attached_target_groups

    def update_and_deregister(self: AutoScalingBackend, group_name: str) -> None:
        update(self, group_name)
        _deregister_removed(self, group_name)

    AutoScalingBackend.update_attached_target_groups = (  # type: ignore[method-assign]
        update_and_deregister)

    notify = AutoScalingBackend.notify_terminate_instances

    def notify_and_register(self: AutoScalingBackend, instance_ids: list[str]) -> None:
        affected = [name for name, group in self.autoscaling_groups.items()
                    if any(state.instance.id in instance_ids for state in group.instance_states)]
        notify(self, instance_ids)  # replaces the instances, updates classic ELBs only
        for name in affected:
            self.update_attached_target_groups(name)

    AutoScalingBackend.notify_terminate_instances = (  # type: ignore[method-assign]
        notify_and_register)
