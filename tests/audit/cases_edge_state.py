"""Fixtures for the state (FM-1.2, 1.3, 6.2), edge (FM-1.1, 2.1, 6.1, X7) and audit-log
(FM-2.3, 2.4) rules."""

from __future__ import annotations

from prodstack.audit.config import Backend, FolderConfig
from tests.audit.cases import case
from tests.audit.planbuilder import PlanBuilder

Made = tuple[PlanBuilder, FolderConfig | None]
TOPIC = {"name": "placeholder"}


def _backend(settings: dict[str, object], extra: dict[str, object] | None = None,
             ) -> FolderConfig:
    return FolderConfig(backends=[Backend("s3", settings, "main.tf")],
                        backend_config=extra or {},
                        backend_config_files=["prod.s3.tfbackend"] if extra else [])


def _topic() -> PlanBuilder:
    return PlanBuilder().add("aws_sns_topic.x", TOPIC)


# -- FM-1.2 / FM-1.3: backend -----------------------------------------------------------------


@case("FM-1.2", fires=True)
def empty_s3_backend() -> Made:
    return _topic(), _backend({})


@case("FM-1.2", fires=False)
def complete_s3_backend() -> Made:
    return _topic(), _backend({"bucket": "b", "key": "k", "region": "us-west-1"})


@case("FM-1.2", fires=False)
def backend_completed_by_tfbackend_file() -> Made:
    return _topic(), _backend({}, {"bucket": "b", "key": "k", "region": "us-west-1"})


@case("FM-1.3", fires=True)
def backend_without_locking() -> Made:
    return _topic(), _backend({"bucket": "b", "key": "k", "region": "us-west-1"})


@case("FM-1.3", fires=False)
def backend_with_lockfile() -> Made:
    return _topic(), _backend({"bucket": "b", "key": "k", "region": "r", "use_lockfile": True})


@case("FM-1.3", fires=False)
def backend_with_dynamodb_lock() -> Made:
    return _topic(), _backend({"bucket": "b", "key": "k", "region": "r",
                               "dynamodb_table": "locks"})


# -- FM-6.2: state bucket versioning ----------------------------------------------------------


@case("FM-6.2", fires=True)
def state_bucket_unversioned() -> Made:
    return PlanBuilder().add("aws_s3_bucket.state", {"bucket": "acme-terraform-state"}), None


@case("FM-6.2", fires=True)
def backend_bucket_unversioned() -> Made:
    b = PlanBuilder().add("aws_s3_bucket.infra", {"bucket": "acme-infra"})
    return b, _backend({"bucket": "acme-infra", "key": "k", "region": "r"})


@case("FM-6.2", fires=True)
def bucket_tagged_as_state_unversioned() -> Made:
    b = PlanBuilder().add("aws_s3_bucket.s", {"bucket": "acme-x",
                                              "tags": {"purpose": "terraform-state"}})
    return b, None


@case("FM-6.2", fires=False)
def ordinary_bucket_unversioned() -> Made:
    return PlanBuilder().add("aws_s3_bucket.assets", {"bucket": "acme-assets"}), None


@case("FM-6.2", fires=False)
def state_bucket_versioned() -> Made:
    b = (PlanBuilder()
         .add("aws_s3_bucket.state", {"bucket": "acme-tfstate"}, unknown={"id": True})
         .add("aws_s3_bucket_versioning.state",
              {"versioning_configuration": [{"status": "Enabled"}]},
              refs={"bucket": ["aws_s3_bucket.state.id", "aws_s3_bucket.state"]},
              unknown={"bucket": True}))
    return b, None


# -- FM-1.1: certificate ----------------------------------------------------------------------


def _listener(b: PlanBuilder, cert_ref: list[str]) -> PlanBuilder:
    return b.add("aws_lb_listener.https", {
        "port": 443, "protocol": "HTTPS", "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
    }, refs={"certificate_arn": cert_ref, "load_balancer_arn": ["aws_lb.web.arn", "aws_lb.web"]},
        unknown={"certificate_arn": True})


@case("FM-1.1", fires=True)
def certificate_never_validated() -> Made:
    b = PlanBuilder().add("aws_acm_certificate.site", {
        "domain_name": "shop.acme.io", "validation_method": "DNS"}, unknown={"arn": True})
    return _listener(b, ["aws_acm_certificate.site.arn", "aws_acm_certificate.site"]), None


@case("FM-1.1", fires=True)
def listener_with_placeholder_certificate() -> Made:
    b = (PlanBuilder()
         .add("aws_acm_certificate.site", {"domain_name": "www.example.org",
                                           "validation_method": "DNS"}, unknown={"arn": True})
         .add("aws_acm_certificate_validation.site", {},
              refs={"certificate_arn": ["aws_acm_certificate.site.arn"]}))
    return _listener(b, ["aws_acm_certificate_validation.site.certificate_arn"]), None


@case("FM-1.1", fires=False)
def certificate_validated() -> Made:
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


# -- FM-2.1: WAF --------------------------------------------------------------------------


def _alb(b: PlanBuilder, internal: bool = False) -> PlanBuilder:
    return b.add("aws_lb.web", {"name": "web", "internal": internal,
                                "load_balancer_type": "application"},
                 unknown={"arn": True, "arn_suffix": True, "id": True})


def _waf(rate: bool) -> PlanBuilder:
    statement = {"rate_based_statement": [{"limit": 2000, "aggregate_key_type": "IP"}]} if rate \
        else {"managed_rule_group_statement": [{"name": "AWSManagedRulesCommonRuleSet"}]}
    return (_alb(PlanBuilder())
            .add("aws_wafv2_web_acl.web", {"name": "web", "scope": "REGIONAL", "rule": [
                {"name": "r", "priority": 0, "statement": [statement]}]}, unknown={"arn": True})
            .add("aws_wafv2_web_acl_association.web", {},
                 refs={"resource_arn": ["aws_lb.web.arn", "aws_lb.web"],
                       "web_acl_arn": ["aws_wafv2_web_acl.web.arn", "aws_wafv2_web_acl.web"]},
                 unknown={"resource_arn": True, "web_acl_arn": True}))


@case("FM-2.1", fires=True)
def alb_without_waf() -> Made:
    return _alb(PlanBuilder()), None


@case("FM-2.1", fires=True)
def waf_without_rate_rule() -> Made:
    return _waf(rate=False), None


@case("FM-2.1", fires=False)
def waf_with_rate_rule() -> Made:
    return _waf(rate=True), None


@case("FM-2.1", fires=False)
def internal_alb() -> Made:
    return _alb(PlanBuilder(), internal=True), None


# -- FM-X7: TLS policy ------------------------------------------------------------------------


def _tls(policy: str) -> PlanBuilder:
    return PlanBuilder().add("aws_lb_listener.https", {"port": 443, "protocol": "HTTPS",
                                                       "ssl_policy": policy})


@case("FM-X7", fires=True)
def tls_2016_policy() -> Made:
    return _tls("ELBSecurityPolicy-2016-08"), None


@case("FM-X7", fires=True)
def tls13_family_allowing_tls10() -> Made:
    return _tls("ELBSecurityPolicy-TLS13-1-0-2021-06"), None


@case("FM-X7", fires=False)
def tls13_policy() -> Made:
    return _tls("ELBSecurityPolicy-TLS13-1-2-2021-06"), None


# -- FM-6.1: deployment strategy --------------------------------------------------------------


def _forward(target_groups: list[str], refresh_rollback: bool = False) -> PlanBuilder:
    b = _alb(PlanBuilder())
    for tg in target_groups:
        b.add(f"aws_lb_target_group.{tg}", {"name": tg, "port": 80}, unknown={"arn": True})
    refs = [r for tg in target_groups for r in (f"aws_lb_target_group.{tg}.arn",
                                                f"aws_lb_target_group.{tg}")]
    b.add("aws_lb_listener.https", {"port": 443, "protocol": "HTTPS", "default_action": [
        {"type": "forward"}]}, refs={"load_balancer_arn": ["aws_lb.web.arn", "aws_lb.web"],
                                     "default_action.forward": refs})
    if refresh_rollback:
        b.add("aws_autoscaling_group.web", {"name": "web", "min_size": 2, "max_size": 4,
                                            "instance_refresh": [{"strategy": "Rolling",
                                                                  "preferences": [{
                                                                      "auto_rollback": True}]}]})
    return b


@case("FM-6.1", fires=True)
def one_target_group() -> Made:
    return _forward(["web"]), None


@case("FM-6.1", fires=False)
def blue_green_target_groups() -> Made:
    return _forward(["blue", "green"]), None


@case("FM-6.1", fires=False)
def instance_refresh_with_rollback() -> Made:
    return _forward(["web"], refresh_rollback=True), None


# -- FM-2.3 / FM-2.4: trail -------------------------------------------------------------------


def _trail(bucket: dict[str, object], cloudwatch: bool = False) -> PlanBuilder:
    refs = {"s3_bucket_name": ["aws_s3_bucket.audit.id", "aws_s3_bucket.audit"]}
    unknown: dict[str, object] = {"s3_bucket_name": True}
    if cloudwatch:
        refs["cloud_watch_logs_group_arn"] = ["aws_cloudwatch_log_group.trail.arn"]
        unknown["cloud_watch_logs_group_arn"] = True
    return (PlanBuilder()
            .add("aws_s3_bucket.audit", {"bucket": "acme-audit", **bucket},
                 unknown={"id": True, "object_lock_enabled": "object_lock_enabled" not in bucket})
            .add("aws_cloudtrail.main", {"name": "main", "cloud_watch_logs_group_arn": None},
                 refs=refs, unknown=unknown))


@case("FM-2.3", fires=True)
def trail_bucket_deletable() -> Made:
    return _trail({}), None


@case("FM-2.3", fires=False)
def trail_bucket_object_lock() -> Made:
    return _trail({"object_lock_enabled": True}), None


@case("FM-2.3", fires=False)
def trail_bucket_mfa_delete() -> Made:
    b = _trail({}).add("aws_s3_bucket_versioning.audit", {"versioning_configuration": [
        {"status": "Enabled", "mfa_delete": "Enabled"}]},
        refs={"bucket": ["aws_s3_bucket.audit.id", "aws_s3_bucket.audit"]})
    return b, None


@case("FM-2.4", fires=True)
def trail_only_in_s3() -> Made:
    return _trail({}), None


@case("FM-2.4", fires=False)
def trail_in_cloudwatch() -> Made:
    return _trail({}, cloudwatch=True), None
