"""Live states for the catalog's live-check fixtures: the parts of a deployed stack, built
with the AWS APIs in an emulated account, each returning the stack outputs a check reads.

A fixture builds what its check reads (a passing state), then breaks one property of it (a
failing state). `World` only calls AWS APIs through the client factory it is given: the
tests hand it moto's in-process mock, so a fixture takes milliseconds and needs no Terraform.
Web sites (for the connectivity check) come from a `Sites` provider the tests start on
loopback.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

from prodstack.config.userdata import PAGE_MARKER

REGION = "us-west-1"
ZONES = ("us-west-1a", "us-west-1b")
FAKE_CA = "arn:aws:acm-pca:us-west-1:123456789012:certificate-authority/prodstack-test"


ACCOUNT = "123456789012"
ELB_ACCOUNT = "027434742980"  # us-west-1's Elastic Load Balancing account


def _allow(service: str, action: str, resource: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": {"Service": service}, "Action": action,
            "Resource": resource}


# What each bucket lets AWS services write, as AWS documents it (the strict emulator checks).
_SERVICE_WRITES: dict[str, Callable[[str], list[dict[str, Any]]]] = {
    "logs": lambda name: [_allow("logging.s3.amazonaws.com", "s3:PutObject",
                                 f"arn:aws:s3:::{name}/*")],
    "audit": lambda name: [
        _allow("cloudtrail.amazonaws.com", "s3:GetBucketAcl", f"arn:aws:s3:::{name}"),
        {**_allow("cloudtrail.amazonaws.com", "s3:PutObject",
                  f"arn:aws:s3:::{name}/AWSLogs/{ACCOUNT}/*"),
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}],
}


class Sites(Protocol):
    def serve(self, redirect: bool, body: str) -> tuple[str, str]:
        """Start an HTTP server (redirecting to HTTPS or not) and an HTTPS server answering
        `body`; return (http_url, https_url)."""

    def listening_port(self) -> int:
        """A loopback TCP port that accepts connections."""


class World:
    def __init__(self, clients: Callable[[str], Any], sites: Sites | None = None) -> None:
        self._clients = clients
        self._cache: dict[str, Any] = {}
        self.sites = sites
        self.outputs: dict[str, Any] = {"region": REGION}
        self.ids: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._cache:
            self._cache[service] = self._clients(service)
        return self._cache[service]

    def service_role(self, name: str, service: str, *actions: str) -> str:
        """A role `service` may assume, allowed `actions` on anything (the strict emulator
        refuses a role the service cannot assume, as AWS does); made once per account."""
        iam = self.client("iam")
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
        try:
            arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))[
                "Role"]["Arn"]
        except iam.exceptions.EntityAlreadyExistsException:
            arn = iam.get_role(RoleName=name)["Role"]["Arn"]
        if actions:
            iam.put_role_policy(RoleName=name, PolicyName="service", PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}))
        return str(arn)

    # -- network ----------------------------------------------------------------------------
    def network(self, azs: int = 2, nat_per_az: bool = True,
                endpoints: tuple[str, ...] = ("s3", "dynamodb"), routed: bool = True,
                flow_log: bool = True) -> World:
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        public, app, nats, tables = [], [], [], []
        for i in range(azs):
            zone = ZONES[i % len(ZONES)]
            public.append(ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24",
                                            AvailabilityZone=zone)["Subnet"]["SubnetId"])
            app.append(ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{10 + i}.0/24",
                                         AvailabilityZone=zone)["Subnet"]["SubnetId"])
        for i in range(azs if nat_per_az else 1):
            eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
            nats.append(ec2.create_nat_gateway(SubnetId=public[i], AllocationId=eip)[
                "NatGateway"]["NatGatewayId"])
        for i, subnet in enumerate(app):
            table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
            ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0",
                             NatGatewayId=nats[i if nat_per_az else 0])
            ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
            tables.append(table)
        for service in endpoints:
            ec2.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Gateway",
                                    ServiceName=f"com.amazonaws.{REGION}.{service}",
                                    RouteTableIds=tables if routed else [])
        self.ids.update(public_subnets=public, route_tables=tables)
        self.outputs.update(vpc_id=vpc, app_subnet_ids=app, nat_gateway_ids=nats)
        if flow_log:
            self.client("logs").create_log_group(logGroupName="/prodstack/vpc-flow-logs")
            self.outputs["flow_log_id"] = ec2.create_flow_logs(
                ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL",
                LogGroupName="/prodstack/vpc-flow-logs",
                DeliverLogsPermissionArn=self.service_role(
                    "flow-logs", "vpc-flow-logs.amazonaws.com", "logs:CreateLogStream",
                    "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"),
            )["FlowLogIds"][0]
        return self

    # -- edge -------------------------------------------------------------------------------
    def _alb_log_bucket(self) -> str:
        """The ALB's access-log bucket, writable by the Region's Elastic Load Balancing."""
        s3, name = self.client("s3"), f"prodstack-production-alb-logs-{ACCOUNT}-{REGION}"
        if name not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={
                "LocationConstraint": REGION})
            s3.put_bucket_policy(Bucket=name, Policy=json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ELB_ACCOUNT}:root"},
                    "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{name}/*"}]}))
        return name

    def certificate(self, issued: bool = True, domain: str = "shop.acme.io") -> str:
        acm = self.client("acm")
        extra = {"CertificateAuthorityArn": FAKE_CA} if issued else {"ValidationMethod": "DNS"}
        return str(acm.request_certificate(DomainName=domain, **extra)["CertificateArn"])

    def edge(self, scheme: str = "internet-facing", tls_policy: str | None = None,
             issued: bool = True, waf: str | None = "rate", redirect: bool = True,
             drop_invalid: bool = True, access_logs: bool = True,
             weights: dict[str, int] | None = None) -> World:
        """ALB, blue and green target groups, HTTPS (weighted forward) and HTTP listeners,
        WAF; needs `network()` first (`tls_policy`: the stack's own by default)."""
        from prodstack.stack.parts.edge import TLS_POLICY

        tls_policy = tls_policy or TLS_POLICY
        elbv2, ec2 = self.client("elbv2"), self.client("ec2")
        vpc = self.outputs["vpc_id"]
        sg = ec2.create_security_group(GroupName="alb", Description="alb", VpcId=vpc)["GroupId"]
        lb = elbv2.create_load_balancer(Name="prodstack-production-alb", Scheme=scheme,
                                        Subnets=self.ids["public_subnets"],
                                        SecurityGroups=[sg], Type="application")[
            "LoadBalancers"][0]["LoadBalancerArn"]
        elbv2.modify_load_balancer_attributes(LoadBalancerArn=lb, Attributes=[
            {"Key": "routing.http.drop_invalid_header_fields.enabled",
             "Value": str(drop_invalid).lower()},
            {"Key": "access_logs.s3.enabled", "Value": str(access_logs).lower()},
            {"Key": "access_logs.s3.bucket", "Value": self._alb_log_bucket()}])
        groups = {c: elbv2.create_target_group(Name=f"web-{c}", Protocol="HTTP", Port=80,
                                               VpcId=vpc, TargetType="instance")[
            "TargetGroups"][0]["TargetGroupArn"] for c in ("blue", "green")}
        weights = weights or {"blue": 100, "green": 0}
        https = elbv2.create_listener(
            LoadBalancerArn=lb, Protocol="HTTPS", Port=443, SslPolicy=tls_policy,
            Certificates=[{"CertificateArn": self.certificate(issued)}],
            DefaultActions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": [
                {"TargetGroupArn": groups[c], "Weight": w} for c, w in weights.items()]}}],
        )["Listeners"][0]["ListenerArn"]
        action = ({"Type": "redirect", "RedirectConfig": {
            "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}} if redirect else
            {"Type": "forward", "TargetGroupArn": groups["blue"]})
        http = elbv2.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80,
                                     DefaultActions=[action])["Listeners"][0]["ListenerArn"]
        self.outputs.update(alb_arn=lb, https_listener_arn=https, http_listener_arn=http,
                            target_groups=groups)
        if waf:
            self.web_acl(rate=waf == "rate", attach=True)
        return self

    def web_acl(self, rate: bool = True, attach: bool = True) -> str:
        wafv2 = self.client("wafv2")
        visibility = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True,
                      "MetricName": "m"}
        statement = ({"RateBasedStatement": {"Limit": 2000, "AggregateKeyType": "IP"}} if rate
                     else {"ManagedRuleGroupStatement": {
                         "VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}})
        rule: dict[str, Any] = {"Name": "rate-limit-per-ip" if rate else "common",
                                "Priority": 0, "Statement": statement,
                                "VisibilityConfig": visibility}
        rule["Action" if rate else "OverrideAction"] = {"Block": {}} if rate else {"None": {}}
        acl = wafv2.create_web_acl(Name="web", Scope="REGIONAL", DefaultAction={"Allow": {}},
                                   Rules=[rule], VisibilityConfig=visibility)["Summary"]["ARN"]
        if attach:
            wafv2.associate_web_acl(WebACLArn=acl, ResourceArn=self.outputs["alb_arn"])
        self.outputs["web_acl_arn"] = acl
        return str(acl)

    # -- web tier ---------------------------------------------------------------------------
    def web_tier(self, live: str = "blue", grace: int = 600, health_check: str = "ELB",
                 http_tokens: str = "required", version: str | None = None,
                 policies: tuple[str, ...] = ("ASGAverageCPUUtilization",
                                              "ALBRequestCountPerTarget"),
                 record: dict[str, Any] | None = None, attach: bool = False) -> World:
        """Launch template, blue and green ASGs in the app subnets (the live colour with two
        instances), scaling policies, the release record; needs `network()` first."""
        ec2, autoscaling = self.client("ec2"), self.client("autoscaling")
        template = ec2.create_launch_template(
            LaunchTemplateName="prodstack-production-web", LaunchTemplateData={
                "ImageId": "ami-12c6146b", "InstanceType": "t4g.small",
                "MetadataOptions": {"HttpTokens": http_tokens, "HttpEndpoint": "enabled"}},
        )["LaunchTemplate"]
        names = {c: f"prodstack-production-web-{c}" for c in ("blue", "green")}
        for colour, name in names.items():
            size = 2 if colour == live else 0
            autoscaling.create_auto_scaling_group(
                AutoScalingGroupName=name, MinSize=size, MaxSize=6, DesiredCapacity=size,
                LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"],
                                "Version": version or str(template["LatestVersionNumber"])},
                VPCZoneIdentifier=",".join(self.outputs["app_subnet_ids"]),
                HealthCheckType=health_check, HealthCheckGracePeriod=grace,
                # `attach`: each colour behind its target group (needs `edge()` first), as a
                # deploy needs them
                **({"TargetGroupARNs": [self.outputs["target_groups"][colour]]}
                   if attach else {}))
            for metric in policies:
                spec: dict[str, Any] = {"PredefinedMetricType": metric}
                if metric == "ALBRequestCountPerTarget":
                    spec["ResourceLabel"] = "app/alb/1/targetgroup/web/2"
                autoscaling.put_scaling_policy(
                    AutoScalingGroupName=name, PolicyName=f"{colour}-{metric}",
                    PolicyType="TargetTrackingScaling", TargetTrackingConfiguration={
                        "PredefinedMetricSpecification": spec, "TargetValue": 50.0})
        parameter = "/prodstack/production/release"
        self.client("ssm").put_parameter(Name=parameter, Type="String",
                                         Value=json.dumps(record or {"live": live}))
        self.outputs.update(asg_names=names, launch_template_id=template["LaunchTemplateId"],
                            release_parameter=parameter,
                            deploy_gate_alarms={c: [] for c in names})
        return self

    # -- database ---------------------------------------------------------------------------
    def database(self, multi_az: bool = True, public: bool = False, encrypted: bool = True,
                 deletion_protection: bool = True, managed_secret: bool = True,
                 retention: int = 14, backup_plan: bool = True, engine_version: str = "16",
                 max_storage: int | None = 200, auto_minor: bool = True,
                 selection: bool = True) -> World:
        rds = self.client("rds")
        extra: dict[str, Any] = ({"ManageMasterUserPassword": True} if managed_secret
                                 else {"MasterUserPassword": "not-a-real-password"})
        if max_storage:
            extra["MaxAllocatedStorage"] = max_storage
        db = rds.create_db_instance(
            DBInstanceIdentifier="prodstack-production-db", Engine="postgres",
            EngineVersion=engine_version, DBInstanceClass="db.t4g.medium",
            AllocatedStorage=20, MasterUsername="dbadmin", MultiAZ=multi_az,
            PubliclyAccessible=public, StorageEncrypted=encrypted,
            DeletionProtection=deletion_protection, BackupRetentionPeriod=retention,
            AutoMinorVersionUpgrade=auto_minor, DBName="productiondb", **extra,
        )["DBInstance"]
        endpoint = db.get("Endpoint") or {"Address": "db.internal", "Port": 5432}
        self.outputs.update(db_identifier=db["DBInstanceIdentifier"],
                            db_endpoint=f"{endpoint['Address']}:{endpoint['Port']}",
                            db_secret_arn=(db.get("MasterUserSecret") or {}).get("SecretArn"))
        if backup_plan:
            backup = self.client("backup")
            plan_id = backup.create_backup_plan(
                BackupPlan={"BackupPlanName": "prodstack-production-backup", "Rules": [{
                    "RuleName": "daily", "TargetBackupVaultName": "Default",
                    "ScheduleExpression": "cron(0 5 * * ? *)"}]})["BackupPlanId"]
            if selection:
                backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection={
                    "SelectionName": "database", "Resources": [db["DBInstanceArn"]],
                    "IamRoleArn": self.service_role("backup", "backup.amazonaws.com")})
            self.outputs["backup_plan_id"] = plan_id
        else:
            self.outputs["backup_plan_id"] = "no-such-plan"
        return self

    # -- storage and audit ------------------------------------------------------------------
    def buckets(self, object_lock: bool = True, tls_only: bool = True,
                versioned: bool = True, logged: bool = True,
                lock_mode: str = "COMPLIANCE") -> World:
        s3 = self.client("s3")
        names = {role: f"prodstack-production-{role}-123456789012-{REGION}"
                 for role in ("logs", "audit", "data")}
        for role, name in names.items():
            s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=role == "audit",
                             CreateBucketConfiguration={"LocationConstraint": REGION})
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
                "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True})
            suspended = not versioned and role == "data"  # Object Lock keeps the audit's on
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={
                "Status": "Suspended" if suspended else "Enabled"})
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
            statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"AWS": "*"},
                                         "Action": "s3:GetObject",
                                         "Resource": f"arn:aws:s3:::{name}/*"}
            if tls_only:
                statement = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
                             "Resource": f"arn:aws:s3:::{name}/*",
                             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
            s3.put_bucket_policy(Bucket=name, Policy=json.dumps(
                {"Version": "2012-10-17", "Statement": [statement, *_SERVICE_WRITES.get(
                    role, lambda _: [])(name)]}))
        s3.put_bucket_acl(Bucket=names["logs"], GrantWrite="uri=http://acs.amazonaws.com/"
                          "groups/s3/LogDelivery", GrantReadACP="uri=http://acs.amazonaws.com/"
                          "groups/s3/LogDelivery")
        if logged:
            for role in ("audit", "data"):
                s3.put_bucket_logging(Bucket=names[role], BucketLoggingStatus={
                    "LoggingEnabled": {"TargetBucket": names["logs"],
                                       "TargetPrefix": f"s3-access/{role}/"}})
        if object_lock:
            s3.put_object_lock_configuration(Bucket=names["audit"], ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": lock_mode, "Days": 365}}})
        self.outputs["buckets"] = names
        return self

    def trail(self, logging: bool = True, cloudwatch: bool = True, multi_region: bool = True,
              validation: bool = True) -> World:
        """A trail to the audit bucket; needs `buckets()` first."""
        cloudtrail = self.client("cloudtrail")
        extra: dict[str, Any] = {}
        if cloudwatch:
            group = self.client("logs").create_log_group(logGroupName="/prodstack/cloudtrail")
            del group
            extra = {"CloudWatchLogsLogGroupArn": f"arn:aws:logs:{REGION}:123456789012:"
                                                  "log-group:/prodstack/cloudtrail:*",
                     "CloudWatchLogsRoleArn": self.service_role(
                         "trail", "cloudtrail.amazonaws.com", "logs:CreateLogStream",
                         "logs:PutLogEvents")}
        name = "prodstack-production-trail"
        cloudtrail.create_trail(Name=name, S3BucketName=self.outputs["buckets"]["audit"],
                                IsMultiRegionTrail=multi_region,
                                EnableLogFileValidation=validation, **extra)
        if logging:
            cloudtrail.start_logging(Name=name)
        self.outputs["trail_name"] = name
        return self

    def recorder(self, recording: bool = True) -> World:
        """An AWS Config recorder and delivery channel; needs `buckets()` first."""
        config = self.client("config")
        name = "prodstack-production-recorder"
        config.put_configuration_recorder(ConfigurationRecorder={
            "name": name, "roleARN": self.service_role(
                "config", "config.amazonaws.com", "s3:PutObject", "s3:GetBucketAcl"),
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
        config.put_delivery_channel(DeliveryChannel={
            "name": "prodstack-production-delivery",
            "s3BucketName": self.outputs["buckets"]["logs"]})
        if recording:
            config.start_configuration_recorder(ConfigurationRecorderName=name)
        self.outputs["recorder_name"] = name
        return self

    # -- monitoring and operations ----------------------------------------------------------
    def alarms(self, metrics: tuple[tuple[str, str], ...] = (
            ("AWS/ApplicationELB", "UnHealthyHostCount"),
            ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count"),
            ("AWS/ApplicationELB", "TargetResponseTime"),
            ("AWS/RDS", "FreeStorageSpace"), ("AWS/RDS", "DatabaseConnections"),
            ("AWS/RDS", "CPUUtilization")),
            subscribed: bool = True, actions: bool = True,
            cpu_of: tuple[str, ...] | None = None) -> World:
        """Alarms on `metrics`, and on the CPU of each colour's ASG (`cpu_of`: the colours,
        default all that `web_tier()` made), to a topic with an e-mail subscription."""
        sns, cloudwatch = self.client("sns"), self.client("cloudwatch")
        topic = sns.create_topic(Name="prodstack-production-alarms")["TopicArn"]
        if subscribed:
            sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="oncall@acme.io")
        names = []
        for namespace, metric in metrics:
            name = f"prodstack-production-{metric.lower()}"
            cloudwatch.put_metric_alarm(
                AlarmName=name, Namespace=namespace, MetricName=metric, Statistic="Maximum",
                Period=60, EvaluationPeriods=3, Threshold=1.0,
                ComparisonOperator="GreaterThanThreshold", ActionsEnabled=actions,
                AlarmActions=[topic], OKActions=[topic])
            names.append(name)
        groups = self.outputs.get("asg_names", {})
        for colour in groups if cpu_of is None else cpu_of:
            name = f"prodstack-production-asg-cpu-{colour}"
            cloudwatch.put_metric_alarm(
                AlarmName=name, Namespace="AWS/EC2", MetricName="CPUUtilization",
                Dimensions=[{"Name": "AutoScalingGroupName", "Value": groups[colour]}],
                Statistic="Average", Period=60, EvaluationPeriods=5, Threshold=85.0,
                ComparisonOperator="GreaterThanThreshold", ActionsEnabled=actions,
                AlarmActions=[topic], OKActions=[topic])
            names.append(name)
        self.outputs.update(alarm_topic_arn=topic, alarm_names=names)
        return self

    def patching(self) -> World:
        window = self.client("ssm").create_maintenance_window(
            Name="prodstack-production-patching", Schedule="cron(0 3 ? * SUN *)", Duration=3,
            Cutoff=1, AllowUnassociatedTargets=False)["WindowId"]
        self.outputs["maintenance_window_id"] = window
        return self

    def site(self, redirect: bool = True, body: str = PAGE_MARKER,
             db_port_open: bool = False, page_marker: str = PAGE_MARKER,
             health_path: str = "/", health_answers: bool = True) -> World:
        """The public site (for the connectivity check), from the tests' `Sites`: the demo
        page by default, or an application (`page_marker=""`) with its health check path;
        `health_answers=False` points the health check at a closed port."""
        if self.sites is None:
            raise RuntimeError("this fixture needs web sites: give World a Sites provider")
        http_url, https_url = self.sites.serve(redirect, body)
        port = self.sites.listening_port() if db_port_open else 1
        health = https_url.rstrip("/") + health_path if health_answers else \
            f"https://localhost:1{health_path}"
        self.outputs.update(http_url=http_url, url=https_url, db_endpoint=f"127.0.0.1:{port}",
                            health_check_url=health, page_marker=page_marker)
        return self
