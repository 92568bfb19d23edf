"""The document layer: references, depends_on, lifecycle, outputs, variables."""

from __future__ import annotations

import json

import pytest

from prodstack.tf.document import Document, expr, policy_document


def test_resource_reference_and_depends_on():
    doc = Document()
    vpc = doc.resource("aws_vpc", "main", cidr_block="10.0.0.0/16")
    doc.resource("aws_subnet", "a", vpc_id=vpc.id, depends_on=[vpc],
                 lifecycle={"ignore_changes": ["tags"]})
    out = doc.to_dict()["resource"]
    assert out["aws_subnet"]["a"]["vpc_id"] == "${aws_vpc.main.id}"
    assert out["aws_subnet"]["a"]["depends_on"] == ["aws_vpc.main"]
    assert out["aws_subnet"]["a"]["lifecycle"] == {"ignore_changes": ["tags"]}


def test_name_argument_is_allowed_in_bodies():
    doc = Document()
    block = doc.resource("aws_iam_role", "web", name="web-role")
    assert doc.body(block)["name"] == "web-role"


def test_duplicate_resource_is_rejected():
    doc = Document()
    doc.resource("aws_vpc", "main")
    with pytest.raises(ValueError, match="duplicate"):
        doc.resource("aws_vpc", "main")


def test_data_source_address_and_none_values_dropped():
    doc = Document()
    azs = doc.data("aws_availability_zones", "available", state="available", filter=None)
    assert azs["names[0]"] == "${data.aws_availability_zones.available.names[0]}"
    assert doc.to_dict()["data"]["aws_availability_zones"]["available"] == {"state": "available"}


def test_outputs_variables_and_removal():
    doc = Document()
    ref = doc.variable("endpoint", "string", "x", "an endpoint")
    doc.output("url", ref, "the url", sensitive=True)
    doc.resource("aws_vpc", "gone")
    doc.remove("aws_vpc", "gone")
    out = doc.to_dict()
    assert ref == expr("var.endpoint")
    assert out["output"]["url"] == {"value": "${var.endpoint}", "description": "the url",
                                    "sensitive": True}
    assert "resource" not in out or "aws_vpc" not in out["resource"]


def test_policy_document_is_json_with_interpolations():
    text = policy_document({"Effect": "Allow", "Resource": "${aws_s3_bucket.b.arn}"})
    assert json.loads(text)["Statement"][0]["Resource"] == "${aws_s3_bucket.b.arn}"
