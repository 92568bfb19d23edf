"""AR-18: a CloudFront distribution whose ACM certificate is not in us-east-1: a certificate
created (or looked up) through a provider of another Region, or a literal ARN of one."""

from __future__ import annotations

import re
from collections.abc import Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule, Unseen
from prodstack.catalog.plan_data import data_instances, provider_region
from prodstack.catalog.ready_fixtures import ACCOUNT, ReadyBuilder
from prodstack.catalog.ready_queries import linked
from prodstack.catalog.resolve import resolver
from prodstack.tf.plan import Plan, Resource, Unknown
from prodstack.tf.resource import why_unknown

CLOUDFRONT_REGION = "us-east-1"
PATH = ("viewer_certificate", "acm_certificate_arn")
_ARN_REGION = re.compile(r"^arn:[^:]+:acm:(?P<region>[a-z0-9-]+):")
REFUSED = ("CreateDistribution fails with InvalidViewerCertificate (\"The specified SSL "
           "certificate doesn't exist, isn't in us-east-1 region, isn't valid, or doesn't "
           "include a valid certificate chain.\")")


def certificates(plan: Plan, dist: Resource) -> list[Resource]:
    """The certificates (resources, or data sources) the distribution names."""
    found = linked(plan, dist, PATH, "aws_acm_certificate")
    for key in plan.refs(dist, *PATH):
        if ".data.aws_acm_certificate." in f".{key}":
            found += data_instances(plan).get(key, [])
    return found


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    for dist in plan.of("aws_cloudfront_distribution"):
        arn = dist.get(*PATH)
        if isinstance(arn, str):
            match = _ARN_REGION.match(arn)
            if match and match.group("region") != CLOUDFRONT_REGION:
                yield Hit(dist.address, f"acm_certificate_arn is a certificate in "
                          f"{match.group('region')}: CloudFront only uses certificates in "
                          f"{CLOUDFRONT_REGION}; {REFUSED}")
            continue
        if not isinstance(arn, Unknown):
            continue  # no ACM certificate (the default one, or IAM)
        found = certificates(plan, dist)
        if not found:
            value = resolver(plan).value(dist, *PATH)
            if isinstance(value, str):
                match = _ARN_REGION.match(value)
                if match and match.group("region") != CLOUDFRONT_REGION:
                    yield Hit(dist.address, f"acm_certificate_arn is a certificate in "
                              f"{match.group('region')}: {REFUSED}")
            elif isinstance(value, Unknown):
                yield Unseen(dist.address, "cannot tell which Region its certificate is in: "
                             f"acm_certificate_arn depends on {'; '.join(why_unknown(value))}")
            continue
        for cert in found:
            where = provider_region(plan, cert)
            if where is None:
                yield Unseen(dist.address, f"cannot tell which Region {cert.address} is in: "
                             "the plan does not say the region of its provider "
                             f"({cert.config.get('provider_config_key', 'aws')})")
            elif where != CLOUDFRONT_REGION:
                yield Hit(dist.address, f"{cert.address} is in {where} (its provider's "
                          f"Region): CloudFront only uses certificates in "
                          f"{CLOUDFRONT_REGION}; {REFUSED}")


cases = Cases()


def _site(cert_provider: str | None = None, region: str = "eu-west-1",
          literal: str | None = None, lookup: bool = False) -> ReadyBuilder:
    """A site module whose certificate the root creates (or looks up) and passes in."""
    b = ReadyBuilder(region=region)
    key = "aws" if cert_provider is None else "aws.us_east_1"
    if cert_provider is not None:
        b.providers["aws.us_east_1"] = cert_provider
    ref = None
    if literal is None and lookup:
        b.data("data.aws_acm_certificate.site", {"domain": "www.example.org", "arn": None},
               unknown={"arn": True})
        b.provider_of("data.aws_acm_certificate.site", key)
        ref = ["data.aws_acm_certificate.site.arn", "data.aws_acm_certificate.site"]
    elif literal is None:
        b.add("aws_acm_certificate.site", {"domain_name": "www.example.org",
                                           "validation_method": "DNS"}, unknown={"arn": True})
        b.provider_of("aws_acm_certificate.site", key)
        ref = ["aws_acm_certificate.site.arn", "aws_acm_certificate.site"]
    b.module("module.site", inputs={"certificate_arn": ref} if ref else None)
    b.add("module.site.aws_cloudfront_distribution.this[0]", {
        "enabled": True, "viewer_certificate": [{
            "acm_certificate_arn": literal, "ssl_support_method": "sni-only",
            "minimum_protocol_version": "TLSv1.2_2021"}]},
        refs={"viewer_certificate.acm_certificate_arn": ["var.certificate_arn"]} if ref else None,
        unknown={"arn": True, **({"viewer_certificate": [{"acm_certificate_arn": True}]}
                                 if ref else {})})
    return b


@cases.fires("module.site.aws_cloudfront_distribution.this[0]")
def certificate_made_by_the_default_provider_in_another_region() -> Made:
    """milliHQ/terraform-aws-next-js#61: the certificate followed the app's region."""
    return _site(), None


@cases.fires("module.site.aws_cloudfront_distribution.this[0]")
def literal_certificate_arn_of_another_region() -> Made:
    """cloudposse/terraform-aws-cloudfront-s3-cdn#10."""
    return _site(literal=f"arn:aws:acm:ap-southeast-2:{ACCOUNT}:certificate/0a1b"), None


@cases.fires("module.site.aws_cloudfront_distribution.this[0]")
def certificate_looked_up_in_the_default_region() -> Made:
    return _site(lookup=True), None


@cases.passes
def certificate_made_by_an_us_east_1_provider() -> Made:
    """AWS's requirement: request the certificate in us-east-1 (an aliased provider)."""
    return _site(cert_provider="us-east-1"), None


@cases.passes
def stack_in_us_east_1() -> Made:
    return _site(region="us-east-1", lookup=True), None


@cases.passes
def literal_certificate_in_us_east_1() -> Made:
    return _site(literal=f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/0a1b"), None


@cases.cannot_see("module.site.aws_cloudfront_distribution.this[0]")
def certificate_provider_region_from_the_environment() -> Made:
    b = _site(cert_provider="us-east-1")
    b.providers["aws.us_east_1"] = None
    return b, None


ENTRY = Entry(
    id="AR-18", title="CloudFront certificate outside us-east-1", severity="high",
    failure="CreateDistribution fails with InvalidViewerCertificate: CloudFront only uses ACM "
            "certificates requested or imported in us-east-1, and a certificate made through "
            "the stack's own provider lands in the stack's Region",
    fix="request the certificate through a provider for us-east-1 (provider \"aws\" { alias = "
        "\"us_east_1\", region = \"us-east-1\" }, and `provider = aws.us_east_1` on the "
        "certificate, its validation and any lookup)",
    aws_docs="https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/"
             "cnames-and-https-requirements.html",
    rule=Rule(types=("aws_cloudfront_distribution", "aws_acm_certificate"), check=rule,
              cases=cases.plan),
)
