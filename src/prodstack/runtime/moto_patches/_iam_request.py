"""What a request asks IAM for (for `iam_authorization`): its IAM action, the ARNs of the
resources it acts on, and the resource policies AWS evaluates with it.

Actions are the request's own name under the service's IAM prefix (S3's come from moto's
request map; a few differ from the API name). Resources are known for the services whose
requests name them (S3, KMS, SSM parameters, Secrets Manager, SQS, SNS, DynamoDB tables, log
groups, Lambda functions, IAM roles and users, STS AssumeRole); for any other request the
resource is unknown (None), and only what holds for every resource decides. Resource policies:
an S3 bucket's policy, a KMS key's policy, a Secrets Manager secret's policy.
"""

from __future__ import annotations

import base64
import html
import json
import re
import struct
from typing import Any

from moto.kms.utils import _deserialize_ciphertext_blob
from moto.s3.models import s3_backends
from moto.secretsmanager.models import secretsmanager_backends

from prodstack.catalog.policies import Document, parse
from prodstack.runtime.moto_patches import _kms_state

# SigV4 signing names whose IAM prefix differs.
PREFIXES = {"monitoring": "cloudwatch", "email": "ses", "tagging": "tag"}
# API names whose IAM action differs.
ACTIONS = {"lambda:Invoke": "lambda:InvokeFunction", **{f"s3:{api}": f"s3:{iam}" for api, iam in (
    ("ListObjects", "ListBucket"), ("ListObjectsV2", "ListBucket"), ("HeadBucket", "ListBucket"),
    ("HeadObject", "GetObject"), ("ListBuckets", "ListAllMyBuckets"),
    ("ListObjectVersions", "ListBucketVersions"), ("DeleteObjects", "DeleteObject"),
    ("CopyObject", "PutObject"), ("CreateMultipartUpload", "PutObject"),
    ("UploadPart", "PutObject"), ("CompleteMultipartUpload", "PutObject"),
    ("GetPublicAccessBlock", "GetBucketPublicAccessBlock"),
    ("PutPublicAccessBlock", "PutBucketPublicAccessBlock"),
    ("DeletePublicAccessBlock", "PutBucketPublicAccessBlock"),
    ("GetBucketEncryption", "GetEncryptionConfiguration"),
    ("PutBucketEncryption", "PutEncryptionConfiguration"),
    ("DeleteBucketEncryption", "PutEncryptionConfiguration"),
    ("GetBucketLifecycleConfiguration", "GetLifecycleConfiguration"),
    ("PutBucketLifecycleConfiguration", "PutLifecycleConfiguration"),
    ("DeleteBucketLifecycle", "PutLifecycleConfiguration"),
    ("GetBucketNotificationConfiguration", "GetBucketNotification"),
    ("PutBucketNotificationConfiguration", "PutBucketNotification"),
    ("GetObjectLockConfiguration", "GetBucketObjectLockConfiguration"),
    ("PutObjectLockConfiguration", "PutBucketObjectLockConfiguration"),
    ("GetBucketCors", "GetBucketCORS"), ("PutBucketCors", "PutBucketCORS"),
    ("DeleteBucketCors", "PutBucketCORS"),
    ("GetBucketReplication", "GetReplicationConfiguration"),
    ("PutBucketReplication", "PutReplicationConfiguration"),
    ("DeleteBucketReplication", "PutReplicationConfiguration"),
    ("DeleteBucketTagging", "PutBucketTagging"), ("DeleteBucketWebsite", "DeleteBucketWebsite"),
    ("GetObjectAttributes", "GetObject"))}}


def iam_action(signing_name: str, action: str) -> str:
    name = f"{PREFIXES.get(signing_name, signing_name)}:{action}"
    return ACTIONS.get(name, name)


def params(response: Any) -> dict[str, Any]:
    """The request's parameters: a JSON body's members, else the query's first values."""
    body = getattr(response, "body", None)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str) and body.lstrip().startswith("{"):
        try:
            return dict(json.loads(body))
        except ValueError:
            pass
    found = {k: v[0] for k, v in (getattr(response, "querystring", None) or {}).items() if v}
    found.update({k: v for k, v in (getattr(response, "uri_match", None) or {}).items()})
    return found


def _kms(p: dict[str, Any], account: str, region: str) -> list[str]:
    ref = p.get("KeyId")
    if not ref and p.get("CiphertextBlob"):
        try:
            ref = _deserialize_ciphertext_blob(base64.b64decode(p["CiphertextBlob"])).key_id
        except (ValueError, TypeError, struct.error):  # not a ciphertext of this emulator
            ref = None
    key = _kms_state.find(account, region, ref)
    return [key.arn] if key is not None else []


def _ssm(p: dict[str, Any], account: str, region: str, action: str) -> list[str]:
    """Parameters, for the parameter actions only: a maintenance window's, its target's or
    task's, or a document's `Name` names no parameter."""
    if "Parameter" not in action:
        return []
    names = [p["Name"]] if p.get("Name") else list(p.get("Names") or [])
    names += [p["Path"]] if p.get("Path") else []
    return [f"arn:aws:ssm:{region}:{account}:parameter/{n.lstrip('/')}" for n in names]


def _secret(p: dict[str, Any], account: str, region: str) -> list[str]:
    ref = p.get("SecretId")
    if not ref:
        return []
    secrets = secretsmanager_backends[account][region].secrets
    if ref in secrets:
        return [secrets[ref].arn]
    return [ref if ref.startswith("arn:") else f"arn:aws:secretsmanager:{region}:{account}:"
                                               f"secret:{ref}"]


def _deleted_keys(body: Any) -> list[str]:
    """The object keys of a DeleteObjects request's XML body (none for any other request)."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    if not text.lstrip().startswith("<Delete"):
        return []
    return [html.unescape(key) for key in re.findall(r"<Key>(.*?)</Key>", text, re.S)]


def resources(prefix: str, response: Any, account: str, region: str,
              given: str) -> tuple[str, ...] | None:
    """The ARNs the request acts on; None when the emulator cannot tell."""
    if prefix == "s3":
        if not given or given == "arn:aws:s3:::*":
            return None
        keys = _deleted_keys(getattr(response, "body", b""))
        if keys and "/" not in given.split(":::")[-1]:
            # DeleteObjects (moto calls it DeleteObject, on the bucket): AWS authorizes
            # s3:DeleteObject on each object the request names (S3 API reference,
            # DeleteObjects), not on the bucket.
            return tuple(f"{given}/{key}" for key in keys)
        return (given,)
    p = params(response)
    arn = f"{region}:{account}"
    found: list[str] = {
        "kms": lambda: _kms(p, account, region),
        "ssm": lambda: _ssm(p, account, region, str(response._get_action())),
        "secretsmanager": lambda: _secret(p, account, region),
        "sqs": lambda: [f"arn:aws:sqs:{arn}:{p['QueueUrl'].rstrip('/').rsplit('/', 1)[-1]}"]
        if p.get("QueueUrl") else [],
        "sns": lambda: [p["TopicArn"]] if p.get("TopicArn") else [],
        "dynamodb": lambda: [f"arn:aws:dynamodb:{arn}:table/{p['TableName']}"]
        if p.get("TableName") else [],
        "logs": lambda: [f"arn:aws:logs:{arn}:log-group:{p['logGroupName']}"]
        if p.get("logGroupName") else [],
        "lambda": lambda: [f"arn:aws:lambda:{arn}:function:{p['FunctionName']}"]
        if p.get("FunctionName") and ":" not in str(p["FunctionName"]) else [],
        "iam": lambda: [f"arn:aws:iam::{account}:{kind}/{p[key]}" for key, kind in
                        (("RoleName", "role"), ("UserName", "user")) if p.get(key)],
        "sts": lambda: [p["RoleArn"]] if p.get("RoleArn") else [],
    }.get(prefix, list)()
    return tuple(found) or None


def resource_policies(prefix: str, arns: tuple[str, ...] | None, account: str,
                      region: str) -> list[Document] | None:
    """The resource policies AWS evaluates with the request ([] none set); None: this kind of
    resource has none here."""
    if not arns or prefix not in ("s3", "kms", "secretsmanager"):
        return None
    texts: list[Any] = []
    for arn in arns:
        if prefix == "s3":
            bucket = s3_backends[account]["aws"].buckets.get(arn.split(":::", 1)[1]
                                                              .split("/", 1)[0])
            texts.append(bucket.policy.decode() if bucket and bucket.policy else None)
        elif prefix == "kms":
            key = _kms_state.find(account, region, arn)
            texts.append(key.policy if key else None)
        else:
            secrets = secretsmanager_backends[account][region].secrets
            texts.append(getattr(secrets[arn], "policy", None) if arn in secrets else None)
    docs = [parse(text) for text in texts if text]
    return [doc for doc in docs if isinstance(doc, Document)]


def s3_kms_key(response: Any, action: str, resource: str, account: str) -> tuple[str, str] | None:
    """(KMS action, key ARN) that an S3 object request needs besides S3's: GenerateDataKey for
    an SSE-KMS PutObject (key given or the bucket's default), Decrypt to read such an object."""
    bucket_name, _, key_name = resource.split(":::", 1)[1].partition("/")
    backend = s3_backends[account]["aws"]
    bucket = backend.buckets.get(bucket_name)
    if bucket is None or not key_name:
        return None
    headers = getattr(response, "headers", {}) or {}
    if action == "s3:PutObject":
        default = (bucket.encryption or {}).get("Rule", {}).get(
            "ApplyServerSideEncryptionByDefault", {})
        algorithm = headers.get("x-amz-server-side-encryption") or default.get("SSEAlgorithm")
        ref = headers.get("x-amz-server-side-encryption-aws-kms-key-id") or default.get(
            "KMSMasterKeyID")
        verb = "kms:GenerateDataKey"
    elif action == "s3:GetObject":
        stored = bucket.keys.get(key_name)
        algorithm = getattr(stored, "encryption", None)
        ref, verb = getattr(stored, "kms_key_id", None), "kms:Decrypt"
    else:
        return None
    if not algorithm or not str(algorithm).startswith("aws:kms"):
        return None
    key = _kms_state.find(account, bucket.region_name, ref or "alias/aws/s3")
    return (verb, key.arn) if key is not None else None
