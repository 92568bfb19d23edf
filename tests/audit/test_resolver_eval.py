"""The expression evaluator and the plan-file reading of the value resolver, on the cases a
demanding reader would try: errors that `try()` skips against values only known after apply
(which it must not skip), `format` verbs it does not evaluate, a `.tf.json` template a plan
keeps as text, a source document known after apply, an EventBridge rule on a custom bus."""

from __future__ import annotations

from typing import Any

from prodstack.catalog.policy_match import HOLE
from prodstack.catalog.resolve import resolver
from prodstack.catalog.resolve_policy_doc import statements_of
from prodstack.catalog.resolve_values import Failed
from prodstack.tf.hcl_expr import parse_expression
from prodstack.tf.resource import Unknown
from tests.audit.helpers import PlanBuilder, plan_of


def _ev(text: str, plan: PlanBuilder | None = None) -> Any:
    built = plan_of(plan or PlanBuilder().add("aws_sns_topic.t", {"name": "t"},
                                              unknown={"arn": True}))
    return resolver(built).evaluator.eval(parse_expression(text), {})


def test_try_skips_errors_but_not_values_known_after_apply() -> None:
    assert _ev('try({ a = 1 }.b, "default")') == "default"
    assert _ev('try(jsondecode("{}").x == "y" ? "a" : "b", "c")') == "c"  # an error, passed on
    later = _ev('try(aws_sqs_queue.elsewhere.arn, "default")')
    assert isinstance(later, Unknown) and not isinstance(later, Failed)
    assert _ev('can({ a = 1 }.b)') is False
    assert _ev('can({ a = 1 }.a)') is True
    assert isinstance(_ev('can(aws_sqs_queue.elsewhere.arn)'), Unknown)


def test_format_evaluates_its_simple_verbs_only() -> None:
    assert _ev('format("%s-%d%%", "a", 5)') == "a-5%"
    assert isinstance(_ev('format("%5s", "a")'), Unknown)
    assert isinstance(_ev('format("{} %s", "a")'), str)  # braces are text
    assert _ev('format("{} %s", "a")') == "{} a"
    assert isinstance(_ev('replace("a-b", "/-/", "_")'), Unknown)  # a regular expression
    assert _ev('replace("a-b", "-", "_")') == "a_b"


def test_a_tf_json_template_the_plan_keeps_as_text_is_evaluated() -> None:
    b = PlanBuilder().add("aws_s3_bucket.logs", {"bucket": "acme-logs"}, unknown={"arn": True})
    b.add("aws_sqs_queue.q", {"name": None}, unknown={"name": True})
    plan = plan_of(b)
    queue = plan.of("aws_sqs_queue")[0]
    queue.config["expressions"]["name"] = {  # how `terraform show -json` keeps a .tf.json one
        "constant_value": "${aws_s3_bucket.logs.bucket}-events",
        "references": ["aws_s3_bucket.logs.bucket", "aws_s3_bucket.logs"]}
    assert resolver(plan).value(queue, "name") == "acme-logs-events"
    queue.config["expressions"]["name"] = {"constant_value": "${x}"}  # HCL's "$${x}": text
    assert resolver(plan).value(queue, "name") == "${x}"


def test_a_source_document_known_after_apply_is_not_dropped() -> None:
    [statement] = statements_of([f'{{"Statement": [{{"Resource": "{HOLE}"}}]}}'])
    assert isinstance(statement, Unknown)
    [bad] = statements_of(["not json"])
    assert isinstance(bad, Unknown)


def test_an_eventbridge_rule_on_a_custom_bus_has_its_bus_in_its_arn() -> None:
    b = PlanBuilder()
    b.add("aws_cloudwatch_event_rule.default", {"name": "nightly", "event_bus_name": None},
          unknown={"arn": True})
    b.add("aws_cloudwatch_event_rule.orders", {"name": "placed", "event_bus_name": "orders"},
          unknown={"arn": True})
    plan = plan_of(b)
    arns = {r.name: resolver(plan).attribute(r, "arn")
            for r in plan.of("aws_cloudwatch_event_rule")}
    assert arns["default"].endswith(":rule/nightly")
    assert arns["orders"].endswith(":rule/orders/placed")


def test_the_resolver_follows_the_configuration_given_later() -> None:
    plan = plan_of(PlanBuilder().add("aws_sns_topic.t", {"name": "t"}))
    first = resolver(plan)
    plan.expressions = object()
    assert resolver(plan) is not first


def test_a_tf_json_policy_in_a_plan_file_is_read_not_taken_for_no_policy() -> None:
    """A false positive before: the template's text was read as the policy, which is not
    JSON, hence "no policy", hence a bucket that refuses Elastic Load Balancing."""
    from prodstack.catalog.ready import ar_4_alb_logs as a4
    from tests.audit.helpers import hits, unseen

    b = a4._stack(a4.ELB_ACCOUNT)
    [change] = [c for c in b.changes if c["type"] == "aws_s3_bucket_policy"]
    change["change"]["after"]["policy"] = None
    change["change"]["after_unknown"]["policy"] = True
    [config] = [r for r in b.config["module_calls"]["logs"]["module"]["resources"]
                if r["type"] == "aws_s3_bucket_policy"]
    config["expressions"]["policy"] = {
        "constant_value": '${jsonencode({Statement = [{Effect = "Allow", Principal = '
                          '{AWS = "arn:aws:iam::127311923021:root"}, Action = "s3:PutObject", '
                          'Resource = "${aws_s3_bucket.this[0].arn}/*"}]})}',
        "references": ["aws_s3_bucket.this[0].arn", "aws_s3_bucket.this"]}
    assert not hits("AR-4", b)
    assert not unseen("AR-4", b)  # read: the statement covers the bucket's objects
    config["expressions"]["policy"]["constant_value"] = (
        '${jsonencode({Statement = [{Effect = "Allow", Principal = {Service = '
        '"delivery.logs.amazonaws.com"}, Action = "s3:PutObject", '
        'Resource = "${aws_s3_bucket.this[0].arn}/*"}]})}')
    assert [h.address for h in hits("AR-4", b)] == ["aws_lb.web"]
