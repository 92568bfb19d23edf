"""A deploy copies a launch template version into a new one with request members only."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ParamValidationError
from botocore.validate import ParamValidator

from prodstack.runtime.launch_data import request_data

DESCRIBED = {  # DescribeLaunchTemplateVersions' shape, as EC2 answers for prodstack's template
    "ImageId": "ami-0123456789abcdef0", "InstanceType": "t4g.small",
    "MetadataOptions": {"State": "applied", "HttpTokens": "required",
                        "HttpPutResponseHopLimit": 1, "HttpEndpoint": "enabled",
                        "InstanceMetadataTags": "enabled"},
    "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": False,
                           "Groups": ["sg-1"], "DeleteOnTermination": True}],
    "IamInstanceProfile": {"Arn": "arn:aws:iam::123456789012:instance-profile/web"},
    "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {
        "Encrypted": True, "VolumeSize": 20, "VolumeType": "gp3", "KmsKeyId": "k"}}],
    "Monitoring": {"Enabled": True},
}


@pytest.fixture
def ec2():
    return boto3.client("ec2", region_name="us-west-1", aws_access_key_id="x",
                        aws_secret_access_key="y")


def test_response_only_members_are_dropped(ec2):
    data = request_data(ec2, DESCRIBED)
    assert "State" not in data["MetadataOptions"]
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert data["NetworkInterfaces"][0]["Groups"] == ["sg-1"]
    assert data["BlockDeviceMappings"][0]["Ebs"]["KmsKeyId"] == "k"


def test_the_copy_passes_the_clients_own_validation_and_the_raw_response_does_not(ec2):
    """botocore validates a request against the same model before it sends it."""
    model = ec2.meta.service_model.operation_model("CreateLaunchTemplateVersion")

    def check(data):
        report = ParamValidator().validate(
            {"LaunchTemplateName": "web-releases", "LaunchTemplateData": data},
            model.input_shape)
        if report.has_errors():
            raise ParamValidationError(report=report.generate_report())

    check(request_data(ec2, DESCRIBED))
    with pytest.raises(ParamValidationError, match="State"):
        check(DESCRIBED)
