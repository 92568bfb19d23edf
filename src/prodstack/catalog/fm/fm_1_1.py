"""FM-1.1: an ACM certificate that never validates (placeholder domain, or no validation)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule, Unseen
from prodstack.catalog.plan_queries import LISTENER_TYPES
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.catalog.unseen import unknown_value
from prodstack.catalog.world import World
from prodstack.core.placeholders import is_placeholder
from prodstack.tf.plan import Plan, Resource, Unknown


def _certificates_used(plan: Plan, listener: Resource) -> list[Resource]:
    certs = plan.linked(listener, ("certificate_arn",), "aws_acm_certificate")
    for validation in plan.linked(listener, ("certificate_arn",),
                                  "aws_acm_certificate_validation"):
        certs += plan.linked(validation, ("certificate_arn",), "aws_acm_certificate")
    return certs


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    users: dict[str, list[str]] = {}
    for listener in plan.of(*LISTENER_TYPES, "aws_lb_listener_certificate"):
        for cert in _certificates_used(plan, listener):
            users.setdefault(cert.address, []).append(listener.address)
    for cert in plan.of("aws_acm_certificate"):
        unknown = [a for a in ("domain_name", "subject_alternative_names", "validation_method")
                   if isinstance(cert.get(a), Unknown) and cert.written(a)]
        for attr in unknown:
            yield unknown_value(plan, cert, "the certificate can validate", attr)
        if unknown:
            continue
        domains = cert.strings("domain_name") + cert.strings("subject_alternative_names")
        bad = sorted({d for d in domains if is_placeholder(d)})
        if bad:
            used = users.get(cert.address)
            where = f"; used by {', '.join(used)}" if used else ""
            yield Hit(cert.address, f"certificate for placeholder domain {', '.join(bad)} can "
                      f"never validate{where}")
            continue
        if cert.get("validation_method") != "DNS":
            continue
        if not plan.referrers(cert, "aws_acm_certificate_validation", "certificate_arn"):
            yield Hit(cert.address, "DNS-validated certificate without an "
                      "aws_acm_certificate_validation: nothing waits for it to be issued, so "
                      "HTTPS fails while it stays PENDING_VALIDATION")


def live(ctx: VerifyContext) -> Result:
    listener = ctx.client("elbv2").describe_listeners(
        ListenerArns=[ctx.outputs["https_listener_arn"]])["Listeners"][0]
    arn = listener["Certificates"][0]["CertificateArn"]
    cert = ctx.client("acm").describe_certificate(CertificateArn=arn)["Certificate"]
    return Result.expect(cert["Status"] == "ISSUED", f"{cert['DomainName']} is ISSUED",
                         f"{cert['DomainName']} is {cert['Status']}: HTTPS cannot work")


cases = Cases()


def _listener(b: PlanBuilder, cert_ref: list[str]) -> PlanBuilder:
    return b.add("aws_lb_listener.https", {
        "port": 443, "protocol": "HTTPS", "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
    }, refs={"certificate_arn": cert_ref, "load_balancer_arn": ["aws_lb.web.arn", "aws_lb.web"]},
        unknown={"certificate_arn": True})


@cases.fires("aws_acm_certificate.site")
def certificate_never_validated() -> Made:
    b = PlanBuilder().add("aws_acm_certificate.site", {
        "domain_name": "shop.acme.io", "validation_method": "DNS"}, unknown={"arn": True})
    return _listener(b, ["aws_acm_certificate.site.arn", "aws_acm_certificate.site"]), None


@cases.fires("aws_acm_certificate.site")
def listener_with_placeholder_certificate() -> Made:
    b = (PlanBuilder()
         .add("aws_acm_certificate.site", {"domain_name": "www.example.org",
                                           "validation_method": "DNS"}, unknown={"arn": True})
         .add("aws_acm_certificate_validation.site", {},
              refs={"certificate_arn": ["aws_acm_certificate.site.arn"]}))
    return _listener(b, ["aws_acm_certificate_validation.site.certificate_arn"]), None


@cases.passes
def certificate_validated_by_for_each_records() -> Made:
    b = (PlanBuilder()
         .add("aws_acm_certificate.site", {"domain_name": "shop.acme.io",
                                           "validation_method": "DNS"}, unknown={"arn": True})
         .add('aws_route53_record.validation["shop.acme.io"]', {"ttl": 300},
              refs={"name": ["each.value.name", "each.value"]})
         .add("aws_acm_certificate_validation.site", {},
              refs={"certificate_arn": ["aws_acm_certificate.site.arn",
                                        "aws_acm_certificate.site"],
                    "validation_record_fqdns": ["aws_route53_record.validation"]}))
    return _listener(b, ["aws_acm_certificate_validation.site.certificate_arn",
                         "aws_acm_certificate_validation.site"]), None


@cases.live("pass")
def issued_certificate(world: World) -> dict[str, Any]:
    return world.network().edge().outputs


@cases.live("fail")
def pending_certificate(world: World) -> dict[str, Any]:
    return world.network().edge(issued=False).outputs


ENTRY = Entry(
    id="FM-1.1", title="Certificate that never validates", severity="critical",
    failure="an ACM certificate for a placeholder domain, or one nothing validates, stays "
            "PENDING_VALIDATION; HTTPS never works",
    fix="create the DNS validation records and an aws_acm_certificate_validation, and give"
        " the listener its certificate_arn; or use an existing issued certificate",
    rule=Rule(types=("aws_acm_certificate", "aws_acm_certificate_validation", *LISTENER_TYPES),
              check=rule, cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)
