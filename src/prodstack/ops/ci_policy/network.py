"""The web tier's grants: the network (EC2: VPC, subnets, gateways, routes, security groups,
endpoints, flow logs, launch templates), the load balancer (Elastic Load Balancing v2), the Auto
Scaling groups (Terraform, `deploy`, `backup verify` finding an instance), the certificate
(ACM), the DNS records and health check (Route 53) and the web ACL (WAF).

AWS (Service Authorization Reference: list_amazonec2, list_elasticloadbalancingv2,
list_amazonec2autoscaling, list_awscertificatemanager, list_amazonroute53, list_awswafv2):
- EC2 resources are named by generated ids (vpc-…, subnet-…), so their ARNs cannot carry the
  deployment's name: EC2's changes are granted on the region's EC2 resources of the account
  (`arn:aws:ec2:<region>:<account>:*`), and EC2's Describe* actions, which support no
  resource-level permissions, on `*`;
- load balancers, target groups and listeners carry their names in their ARNs
  (`loadbalancer/app/<name>/<id>`, `targetgroup/<name>/<id>`, `listener/app/<lb name>/…`), Auto
  Scaling groups too (`autoScalingGroup:<uuid>:autoScalingGroupName/<name>`), and a web ACL
  (`regional/webacl/<name>/<id>`): those are scoped to `<project>-<env>-*`;
- their Describe* actions, ACM's RequestCertificate, Route 53's CreateHealthCheck and WAF's
  ListWebACLs support no resource-level permissions: `*`;
- a certificate and a health check are named by ids: the region's certificates, the account's
  health checks; the DNS records are scoped to the hosted zone given (`hosted_zone_id`).
Creating or updating an Auto Scaling group with a launch template needs ec2:RunInstances and
iam:PassRole for the template's instance profile (Auto Scaling user guide, "Launch template
support": the caller's permissions are checked); WAF's AssociateWebACL needs
elasticloadbalancing:SetWebAcl on the load balancer.
"""

from __future__ import annotations

from prodstack.ops.ci_policy.scope import Scope
from prodstack.ops.ci_policy.statements import REFERENCE, Statement, allow, prefixed

EC2_READ = prefixed(
    "ec2", "DescribeAccountAttributes", "DescribeAddresses", "DescribeAddressesAttribute",
    "DescribeAvailabilityZones", "DescribeFlowLogs", "DescribeImages", "DescribeInstances",
    "DescribeInstanceTypeOfferings", "DescribeInstanceTypes", "DescribeInternetGateways",
    "DescribeLaunchTemplates", "DescribeLaunchTemplateVersions", "DescribeNatGateways",
    "DescribeNetworkAcls", "DescribeNetworkInterfaces", "DescribePrefixLists",
    "DescribeRouteTables", "DescribeSecurityGroupRules", "DescribeSecurityGroups",
    "DescribeSubnets", "DescribeTags", "DescribeVpcAttribute", "DescribeVpcEndpoints",
    "DescribeVpcs")
EC2_WRITE = prefixed(
    "ec2", "AllocateAddress", "AssociateRouteTable", "AttachInternetGateway",
    "AuthorizeSecurityGroupEgress", "AuthorizeSecurityGroupIngress", "CreateFlowLogs",
    "CreateInternetGateway", "CreateLaunchTemplate", "CreateLaunchTemplateVersion",
    "CreateNatGateway", "CreateRoute", "CreateRouteTable", "CreateSecurityGroup",
    "CreateSubnet", "CreateTags", "CreateVpc", "CreateVpcEndpoint", "DeleteFlowLogs",
    "DeleteInternetGateway", "DeleteLaunchTemplate", "DeleteNatGateway", "DeleteRoute",
    "DeleteRouteTable", "DeleteSecurityGroup", "DeleteSubnet", "DeleteTags", "DeleteVpc",
    "DeleteVpcEndpoints", "DetachInternetGateway", "DisassociateAddress",
    "DisassociateRouteTable", "ModifyLaunchTemplate", "ModifySecurityGroupRules",
    "ModifySubnetAttribute", "ModifyVpcAttribute", "ModifyVpcEndpoint", "ReleaseAddress",
    "ReplaceRoute", "RevokeSecurityGroupEgress", "RevokeSecurityGroupIngress",
    "RunInstances", "UpdateSecurityGroupRuleDescriptionsEgress",
    "UpdateSecurityGroupRuleDescriptionsIngress")
ELB_READ = prefixed(
    "elasticloadbalancing", "DescribeCapacityReservation", "DescribeListenerAttributes",
    "DescribeListenerCertificates", "DescribeListeners", "DescribeLoadBalancerAttributes",
    "DescribeLoadBalancers", "DescribeRules", "DescribeTags", "DescribeTargetGroupAttributes",
    "DescribeTargetGroups", "DescribeTargetHealth")
ELB_WRITE = prefixed(
    "elasticloadbalancing", "AddTags", "CreateListener", "CreateLoadBalancer",
    "CreateTargetGroup", "DeleteListener", "DeleteLoadBalancer", "DeleteTargetGroup",
    "ModifyListener", "ModifyListenerAttributes", "ModifyLoadBalancerAttributes",
    "ModifyTargetGroup", "ModifyTargetGroupAttributes", "RemoveTags", "SetSecurityGroups",
    "SetSubnets", "SetWebAcl")
ASG_READ = prefixed(
    "autoscaling", "DescribeAutoScalingGroups", "DescribeInstanceRefreshes",
    "DescribeLifecycleHooks", "DescribeLoadBalancerTargetGroups",
    "DescribeNotificationConfigurations", "DescribePolicies", "DescribeScalingActivities",
    "DescribeTags", "DescribeTrafficSources", "DescribeWarmPool")
ASG_WRITE = prefixed(
    "autoscaling", "AttachLoadBalancerTargetGroups", "CancelInstanceRefresh",
    "CreateAutoScalingGroup", "CreateOrUpdateTags", "DeleteAutoScalingGroup", "DeletePolicy",
    "DeleteTags", "DetachLoadBalancerTargetGroups", "DisableMetricsCollection",
    "EnableMetricsCollection", "PutScalingPolicy", "ResumeProcesses", "SetDesiredCapacity",
    "StartInstanceRefresh", "SuspendProcesses", "UpdateAutoScalingGroup")
WAF_ACL = prefixed(
    "wafv2", "CreateWebACL", "DeleteLoggingConfiguration", "DeleteWebACL",
    "GetLoggingConfiguration", "GetWebACL", "ListTagsForResource", "PutLoggingConfiguration",
    "TagResource", "UntagResource", "UpdateWebACL")
WAF_ALB = prefixed("wafv2", "AssociateWebACL", "DisassociateWebACL", "GetWebACLForResource")


def statements(scope: Scope) -> list[Statement]:
    s, names = scope.settings, scope.names
    ec2_here = [scope.arn("ec2", "*"), scope.arn("ec2", "image/*", account="")]
    lb = scope.arn("elasticloadbalancing", f"loadbalancer/app/{scope.regional}/*")
    elb = [lb, scope.arn("elasticloadbalancing", f"targetgroup/{scope.regional}/*"),
           scope.arn("elasticloadbalancing", f"listener/app/{scope.regional}/*"),
           scope.arn("elasticloadbalancing", f"listener-rule/app/{scope.regional}/*")]
    acl = scope.arn("wafv2", f"regional/webacl/{names.regional('*')}/*")
    managed_rules = scope.arn("wafv2", "regional/managedruleset/*/*", account="*")
    found = [
        allow("Ec2Describe", EC2_READ, ["*"],
              "EC2's Describe* actions support no resource-level permissions "
              f"({REFERENCE.format('amazonec2')})"),
        allow("Ec2InRegion", EC2_WRITE, ec2_here,
              "the network, its gateways, routes, security groups, endpoints, flow log and "
              "launch templates: EC2 names them by generated ids, so the grant is the region's "
              "EC2 resources (RunInstances: an Auto Scaling group's launch template is checked "
              "against the caller, the AMI is a public image of the region)"),
        allow("ElbDescribe", ELB_READ, ["*"],
              "Elastic Load Balancing's Describe* actions support no resource-level "
              f"permissions ({REFERENCE.format('elasticloadbalancingv2')})"),
        allow("ElbOwn", ELB_WRITE, elb,
              "the load balancer, its listeners and the two target groups, by name"),
        allow("AutoScalingDescribe", ASG_READ, ["*"],
              "Auto Scaling's Describe* actions support no resource-level permissions "
              f"({REFERENCE.format('amazonec2autoscaling')})"),
        allow("AutoScalingOwn", ASG_WRITE,
              [scope.arn("autoscaling",
                         f"autoScalingGroup:*:autoScalingGroupName/{scope.regional}")],
              "the blue and green groups: created, scaled and refreshed by Terraform, shifted "
              "by deploy"),
        allow("WafListWebAcls", ["wafv2:ListWebACLs"], ["*"],
              "ListWebACLs supports no resource-level permissions (down --purge's check of "
              f"leftovers; {REFERENCE.format('awswafv2')})"),
        allow("WafOwnAcl", WAF_ACL, [acl, managed_rules],
              "the web ACL by name; CreateWebACL and UpdateWebACL also name the AWS managed "
              "rule groups it uses"),
        allow("WafOnTheLoadBalancer", WAF_ALB, [acl, lb],
              "associating the web ACL with the load balancer names both"),
    ]
    if s.certificate_arn:
        found.append(allow("AcmGivenCertificate", ["acm:DescribeCertificate"],
                           [s.certificate_arn], "verify checks the certificate given (FM-1.1)"))
    else:
        found += [
            allow("AcmRequest", ["acm:RequestCertificate", "acm:AddTagsToCertificate"], ["*"],
                  "RequestCertificate supports no resource-level permissions, and the new "
                  "certificate is tagged in the same request "
                  f"({REFERENCE.format('awscertificatemanager')})"),
            allow("AcmCertificates",
                  prefixed("acm", "AddTagsToCertificate", "DeleteCertificate",
                           "DescribeCertificate", "GetCertificate", "ListTagsForCertificate",
                           "RemoveTagsFromCertificate"),
                  [scope.arn("acm", "certificate/*")],
                  "the site's certificate: ACM names certificates by generated ids"),
        ]
    if s.hosted_zone_id:
        zone = scope.arn("route53", f"hostedzone/{s.hosted_zone_id}", region="", account="")
        found += [
            allow("Route53Records",
                  prefixed("route53", "ChangeResourceRecordSets", "GetHostedZone",
                           "ListResourceRecordSets", "ListTagsForResource"), [zone],
                  "the site's alias record and the certificate's validation records, in the "
                  "hosted zone given (hosted_zone_id)"),
            allow("Route53Changes", ["route53:GetChange"],
                  [scope.arn("route53", "change/*", region="", account="")],
                  "waiting for a record change to be in sync"),
        ]
    found += [
        allow("Route53HealthCheckCreate", ["route53:CreateHealthCheck", "route53:ListHostedZones"],
              ["*"], "CreateHealthCheck and ListHostedZones support no resource-level "
              f"permissions ({REFERENCE.format('amazonroute53')})"),
        allow("Route53HealthCheck",
              prefixed("route53", "ChangeTagsForResource", "DeleteHealthCheck", "GetHealthCheck",
                       "ListTagsForResource", "UpdateHealthCheck"),
              [scope.arn("route53", "healthcheck/*", region="", account="")],
              "the site's health check: Route 53 names health checks by generated ids"),
    ]
    return found
