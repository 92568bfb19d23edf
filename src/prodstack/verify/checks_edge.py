"""Live checks of the edge: load balancer, listeners, certificate, WAF."""

from __future__ import annotations

from prodstack.stack.edge import TLS_POLICY
from prodstack.verify.base import Result, VerifyContext, check

TLS13_FAMILY = "ELBSecurityPolicy-TLS13-"


@check("EDGE-ALB", "Internet-facing ALB drops invalid headers and writes access logs")
def load_balancer(ctx: VerifyContext) -> Result:
    elbv2 = ctx.client("elbv2")
    arn = ctx.outputs["alb_arn"]
    lb = elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]
    attrs = {a["Key"]: a["Value"] for a in
             elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]}
    problems = []
    scheme = lb.get("Scheme", "internet-facing")  # AWS's default; the emulator may omit it
    if scheme != "internet-facing":
        problems.append(f"scheme is {scheme}")
    if attrs.get("routing.http.drop_invalid_header_fields.enabled") != "true":
        problems.append("invalid header fields are not dropped")
    if attrs.get("access_logs.s3.enabled") != "true":
        problems.append("access logs are off")
    return Result.expect(not problems, "internet-facing, drops invalid headers, logs access",
                         "; ".join(problems))


@check("FM-X7", "HTTPS listener uses a TLS 1.3 policy")
def tls_policy(ctx: VerifyContext) -> Result:
    listener = ctx.client("elbv2").describe_listeners(
        ListenerArns=[ctx.outputs["https_listener_arn"]])["Listeners"][0]
    policy = listener.get("SslPolicy", "")
    return Result.expect(listener["Protocol"] == "HTTPS" and policy.startswith(TLS13_FAMILY),
                         f"HTTPS on {listener['Port']} with {policy}",
                         f"{listener['Protocol']} listener with {policy or 'no policy'} "
                         f"(want {TLS_POLICY})")


@check("EDGE-REDIRECT", "HTTP listener redirects to HTTPS")
def http_redirect(ctx: VerifyContext) -> Result:
    listener = ctx.client("elbv2").describe_listeners(
        ListenerArns=[ctx.outputs["http_listener_arn"]])["Listeners"][0]
    action = listener["DefaultActions"][0]
    redirect = action.get("RedirectConfig", {})
    return Result.expect(action["Type"] == "redirect" and redirect.get("Protocol") == "HTTPS",
                         f"HTTP {listener['Port']} → HTTPS ({redirect.get('StatusCode')})",
                         f"HTTP listener action is {action['Type']}")


@check("FM-1.1", "The listener's certificate is issued")
def certificate_issued(ctx: VerifyContext) -> Result:
    listener = ctx.client("elbv2").describe_listeners(
        ListenerArns=[ctx.outputs["https_listener_arn"]])["Listeners"][0]
    arn = listener["Certificates"][0]["CertificateArn"]
    cert = ctx.client("acm").describe_certificate(CertificateArn=arn)["Certificate"]
    return Result.expect(cert["Status"] == "ISSUED",
                         f"{cert['DomainName']} is ISSUED",
                         f"{cert['DomainName']} is {cert['Status']}: HTTPS cannot work")


@check("FM-2.1", "WAF web ACL attached to the ALB, with a per-IP rate rule")
def waf_attached(ctx: VerifyContext) -> Result:
    acl = ctx.client("wafv2").get_web_acl_for_resource(
        ResourceArn=ctx.outputs["alb_arn"]).get("WebACL")
    if not acl:
        return Result.failed("no web ACL is associated with the load balancer")
    rate = [r["Name"] for r in acl.get("Rules", []) if "RateBasedStatement" in r["Statement"]]
    managed = [r["Name"] for r in acl.get("Rules", [])
               if "ManagedRuleGroupStatement" in r["Statement"]]
    return Result.expect(bool(rate), f"{acl['Name']}: rate rule {rate[0] if rate else ''}, "
                         f"{len(managed)} managed rule groups",
                         f"{acl['Name']} has no rate-based rule")
