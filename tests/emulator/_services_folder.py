"""An `extra_config` folder of services the local target used to refuse: an SQS queue, a
Lambda function (its zip built here with zipfile) and an EventBridge rule that targets it."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

HANDLER = "def handler(event, context):\n    return {'ok': True}\n"


def lambda_zip(folder: Path) -> Path:
    path = folder / "function.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("index.py", HANDLER)
    return path


def services_folder(folder: Path, prefix: str, zip_path: Path) -> Path:
    """The folder's Terraform (JSON); names start with `prefix`. Returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"Service": "lambda.amazonaws.com"}}]})
    resources = {
        "aws_sqs_queue": {"jobs": {"name": f"{prefix}-jobs", "sqs_managed_sse_enabled": True}},
        "aws_iam_role": {"worker": {"name": f"{prefix}-worker", "assume_role_policy": trust}},
        "aws_lambda_function": {"worker": {
            "function_name": f"{prefix}-worker", "role": "${aws_iam_role.worker.arn}",
            "runtime": "python3.12", "handler": "index.handler", "filename": str(zip_path),
            "source_code_hash": "${filebase64sha256(\"" + str(zip_path) + "\")}",
            "environment": [{"variables": {"QUEUE_URL": "${aws_sqs_queue.jobs.url}"}}]}},
        "aws_cloudwatch_event_rule": {"tick": {"name": f"{prefix}-tick",
                                               "schedule_expression": "rate(5 minutes)"}},
        "aws_cloudwatch_event_target": {"worker": {
            "rule": "${aws_cloudwatch_event_rule.tick.name}",
            "arn": "${aws_lambda_function.worker.arn}"}},
        "aws_lambda_permission": {"events": {
            "statement_id": "AllowEventBridge", "action": "lambda:InvokeFunction",
            "function_name": "${aws_lambda_function.worker.function_name}",
            "principal": "events.amazonaws.com",
            "source_arn": "${aws_cloudwatch_event_rule.tick.arn}"}},
    }
    (folder / "services.tf.json").write_text(json.dumps({"resource": resources}, indent=1))
    return folder


ADDRESSES = ("aws_sqs_queue.jobs", "aws_iam_role.worker", "aws_lambda_function.worker",
             "aws_cloudwatch_event_rule.tick", "aws_cloudwatch_event_target.worker",
             "aws_lambda_permission.events")
