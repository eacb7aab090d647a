"""The SageMaker launcher's requests, asserted on a stubbed SageMaker client (no AWS account, no network)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from pydantic import ValidationError

from training.sagemaker_job import ImageClassificationHyperparameters, main

REGION = "us-east-1"
# The built-in algorithm's image in us-east-1, as the SageMaker SDK resolves it.
IMAGE = "811284229777.dkr.ecr.us-east-1.amazonaws.com/image-classification:1"
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecution"
DATA = "s3://scones-ml/staged/data"
OUTPUT = "s3://scones-ml/models"
CAPTURE = "s3://scones-ml/capture"
ACCOUNT_ARN = f"arn:aws:sagemaker:{REGION}:123456789012"


@functools.cache
def _boto_session() -> boto3.session.Session:
    # Shared, so the service models are loaded once rather than for every test's SDK session.
    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


class RecordingSageMaker:
    """A real botocore SageMaker client whose answers are stubbed and whose requests are recorded, inside the
    SDK session the launcher uses."""

    def __init__(self) -> None:
        from sagemaker.session import Session

        self.client = _boto_session().client("sagemaker")
        self.session = Session(boto_session=_boto_session(), sagemaker_client=self.client)
        self.stubber = Stubber(self.client)
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.client.meta.events.register("before-parameter-build.sagemaker.*", self._record)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.requests.append((model.name, json.loads(json.dumps(params, default=str))))

    def request(self, operation: str) -> dict[str, Any]:
        [params] = [params for name, params in self.requests if name == operation]
        return params

    def operations(self) -> list[str]:
        return [name for name, _ in self.requests]

    def expect_training(self) -> None:
        self.stubber.add_response("create_training_job", {"TrainingJobArn": f"{ACCOUNT_ARN}:training-job/x"})

    def expect_deployment(self) -> None:
        self.stubber.add_response("create_model", {"ModelArn": f"{ACCOUNT_ARN}:model/x"})
        self.stubber.add_response("create_endpoint_config", {"EndpointConfigArn": f"{ACCOUNT_ARN}:endpoint-config/x"})
        self.stubber.add_response("create_endpoint", {"EndpointArn": f"{ACCOUNT_ARN}:endpoint/x"})

    def expect_description(self, status: str, artifacts: str, times: int) -> None:
        description = {
            "TrainingJobName": "x",
            "TrainingJobArn": f"{ACCOUNT_ARN}:training-job/x",
            "ModelArtifacts": {"S3ModelArtifacts": artifacts},
            "TrainingJobStatus": status,
            "SecondaryStatus": "Completed" if status == "Completed" else "Failed",
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "ResourceConfig": {"InstanceType": "ml.p3.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 14400},
            "CreationTime": datetime(2024, 1, 1, tzinfo=UTC),
        }
        if status == "Failed":
            description["FailureReason"] = "ClientError: Unable to read train.lst"
        for _ in range(times):
            self.stubber.add_response("describe_training_job", description)


@pytest.fixture(autouse=True)
def offline_sdk(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The SDK reports usage over HTTP after `fit`; record instead of sending."""
    monkeypatch.setenv("SAGEMAKER_SUPPRESS_V2_WARNING", "1")  # the launcher pins SDK v2 on purpose
    import sagemaker.telemetry.telemetry_logging as telemetry

    sent: list[Any] = []
    monkeypatch.setattr(telemetry, "_send_telemetry_request", lambda *args, **kwargs: sent.append(args))
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return sent


@pytest.fixture
def sagemaker_api() -> Iterator[RecordingSageMaker]:
    api = RecordingSageMaker()
    with api.stubber:
        yield api
        api.stubber.assert_no_pending_responses()


def _train_args(*extra: str) -> list[str]:
    return ["--region", REGION, "train", "--data", DATA, "--role", ROLE, "--output", OUTPUT, *extra]


def _deploy_args(*extra: str) -> list[str]:
    return [
        "--region",
        REGION,
        "deploy",
        "--role",
        ROLE,
        "--endpoint-name",
        "scones-ic",
        "--capture",
        CAPTURE,
    ]


# --- Hyperparameters ----------------------------------------------------------------------------------------


def test_hyperparameters_are_strings_in_the_algorithms_spelling() -> None:
    hyperparameters = ImageClassificationHyperparameters(
        num_training_samples=800, epochs=12, learning_rate=0.01, early_stopping=True
    ).to_sagemaker()

    assert all(isinstance(value, str) for value in hyperparameters.values())
    assert hyperparameters["image_shape"] == "3,32,32"
    assert hyperparameters["num_classes"] == "2"
    assert hyperparameters["num_training_samples"] == "800"
    assert hyperparameters["epochs"] == "12"
    assert hyperparameters["learning_rate"] == "0.01"
    assert hyperparameters["use_pretrained_model"] == "0"
    assert hyperparameters["early_stopping"] == "True"
    assert hyperparameters["early_stopping_min_epochs"] == "10"
    assert hyperparameters["augmentation_type"] == "crop_color_transform"


def test_early_stopping_settings_are_left_out_when_it_is_off() -> None:
    hyperparameters = ImageClassificationHyperparameters(
        num_training_samples=800, augmentation_type=None
    ).to_sagemaker()
    assert hyperparameters["early_stopping"] == "False"
    assert not [name for name in hyperparameters if name.startswith("early_stopping_")]
    assert "augmentation_type" not in hyperparameters


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        ({"num_training_samples": 0}, "greater than 0"),
        ({"num_training_samples": 16, "mini_batch_size": 32}, "exceeds the 16 training images"),
        ({"use_pretrained_model": 1, "num_layers": 20}, "pretrained weights exist"),
        ({"early_stopping": True, "epochs": 5}, "not below epochs 5"),
        ({"optimizer": "adagrad"}, "optimizer"),
        ({"image_shape": "32,32"}, "image_shape"),
        ({"num_layers": 19}, "num_layers"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"lr": 0.1}, "Extra inputs are not permitted"),
    ],
)
def test_bad_hyperparameters_are_refused(fields: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        ImageClassificationHyperparameters(**{"num_training_samples": 800, **fields})


# --- Training -----------------------------------------------------------------------------------------------


def test_train_creates_a_job_on_the_four_image_channels(
    sagemaker_api: RecordingSageMaker, capsys: pytest.CaptureFixture[str]
) -> None:
    sagemaker_api.expect_training()

    code = main(
        _train_args("--epochs", "12", "--num-training-samples", "800", "--instance-type", "ml.p3.2xlarge"),
        session=sagemaker_api.session,
    )

    assert code == 0
    assert sagemaker_api.operations() == ["CreateTrainingJob"]
    job = sagemaker_api.request("CreateTrainingJob")
    assert job["AlgorithmSpecification"] == {"TrainingImage": IMAGE, "TrainingInputMode": "File"}
    assert job["RoleArn"] == ROLE
    assert job["OutputDataConfig"]["S3OutputPath"] == OUTPUT
    assert job["ResourceConfig"]["InstanceType"] == "ml.p3.2xlarge"
    assert job["ResourceConfig"]["InstanceCount"] == 1
    assert job["TrainingJobName"].startswith("scones-image-classification-")
    channels = {channel["ChannelName"]: channel for channel in job["InputDataConfig"]}
    assert sorted(channels) == ["train", "train_lst", "validation", "validation_lst"]
    for name, channel in channels.items():
        assert channel["ContentType"] == "application/x-image"
        source = channel["DataSource"]["S3DataSource"]
        assert source["S3Uri"] == f"{DATA}/{name}/"
        assert source["S3DataType"] == "S3Prefix"
    hyperparameters = job["HyperParameters"]
    assert all(isinstance(value, str) for value in hyperparameters.values())
    assert hyperparameters["num_training_samples"] == "800"
    assert hyperparameters["epochs"] == "12"
    assert hyperparameters["num_classes"] == "2"
    assert hyperparameters["image_shape"] == "3,32,32"
    # Debugger hooks are for framework scripts; the built-in algorithm gets none.
    assert "DebugHookConfig" not in job
    assert job["TrainingJobName"] in capsys.readouterr().out


def test_train_reads_the_training_count_from_the_staged_manifest(
    sagemaker_api: RecordingSageMaker, tmp_path: Any
) -> None:
    from training.data import StagingConfig, stage

    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="scones-ml")
        # A real staging uploaded to (mocked) S3: 10 images, 2 of them for validation.
        folder = _png_folder(tmp_path / "source", per_class=5)
        stage(StagingConfig(out=tmp_path / "staged", png_folder=folder, upload=f"{DATA}/"))
        sagemaker_api.expect_training()

        assert main(_train_args("--mini-batch-size", "4"), session=sagemaker_api.session) == 0

    assert sagemaker_api.request("CreateTrainingJob")["HyperParameters"]["num_training_samples"] == "8"


def test_train_without_a_manifest_asks_for_the_count(
    sagemaker_api: RecordingSageMaker, capsys: pytest.CaptureFixture[str]
) -> None:
    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="scones-ml")
        assert main(_train_args(), session=sagemaker_api.session) == 1
    assert "--num-training-samples" in capsys.readouterr().err
    assert sagemaker_api.requests == []


def test_train_and_deploy_waits_then_deploys_the_trained_artifacts(sagemaker_api: RecordingSageMaker) -> None:
    artifacts = f"{OUTPUT}/scones-image-classification-x/output/model.tar.gz"
    sagemaker_api.expect_training()
    # One answer for the waiter's first poll, one for reading the artifacts' location.
    sagemaker_api.expect_description("Completed", artifacts, times=2)
    sagemaker_api.expect_deployment()

    code = main(
        _train_args("--num-training-samples", "800", "--deploy", "--endpoint-name", "scones-ic", "--capture", CAPTURE),
        session=sagemaker_api.session,
    )

    assert code == 0
    assert sagemaker_api.operations() == [
        "CreateTrainingJob",
        "DescribeTrainingJob",
        "DescribeTrainingJob",
        "CreateModel",
        "CreateEndpointConfig",
        "CreateEndpoint",
    ]
    job_name = sagemaker_api.request("CreateTrainingJob")["TrainingJobName"]
    assert {params["TrainingJobName"] for name, params in sagemaker_api.requests if name == "DescribeTrainingJob"} == {
        job_name
    }
    assert sagemaker_api.request("CreateModel")["PrimaryContainer"]["ModelDataUrl"] == artifacts


def test_a_failed_training_job_is_not_deployed(
    sagemaker_api: RecordingSageMaker, capsys: pytest.CaptureFixture[str]
) -> None:
    sagemaker_api.expect_training()
    sagemaker_api.expect_description("Failed", f"{OUTPUT}/x/output/model.tar.gz", times=2)

    code = main(
        _train_args("--num-training-samples", "800", "--deploy", "--endpoint-name", "scones-ic", "--capture", CAPTURE),
        session=sagemaker_api.session,
    )

    assert code == 1
    assert "Failed: ClientError: Unable to read train.lst" in capsys.readouterr().err
    assert "CreateModel" not in sagemaker_api.operations()


@pytest.mark.parametrize(
    "args",
    [
        _train_args("--num-training-samples", "800", "--deploy"),  # no endpoint name or capture
        ["--region", REGION, "train", "--data", "bucket/data", "--role", ROLE, "--output", OUTPUT],
        ["--region", REGION, "train", "--data", DATA, "--role", "admin", "--output", OUTPUT],
        _train_args("--num-training-samples", "800", "--epochs", "0"),
    ],
    ids=["deploy-without-endpoint", "data-not-s3", "role-not-arn", "zero-epochs"],
)
def test_bad_options_start_nothing(sagemaker_api: RecordingSageMaker, args: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        code = main([*args, "--num-training-samples", "800"], session=sagemaker_api.session)
        raise SystemExit(code)
    assert exited.value.code != 0
    assert sagemaker_api.requests == []


# --- Deployment ---------------------------------------------------------------------------------------------


def test_deploy_creates_model_config_with_data_capture_and_endpoint(
    sagemaker_api: RecordingSageMaker,
) -> None:
    model_data = f"{OUTPUT}/job-1/output/model.tar.gz"
    sagemaker_api.expect_deployment()

    code = main(
        [*_deploy_args(), "--model-data", model_data, "--capture-percentage", "50"],
        session=sagemaker_api.session,
    )

    assert code == 0
    assert sagemaker_api.operations() == ["CreateModel", "CreateEndpointConfig", "CreateEndpoint"]
    model = sagemaker_api.request("CreateModel")
    assert model["PrimaryContainer"]["Image"] == IMAGE
    assert model["PrimaryContainer"]["ModelDataUrl"] == model_data
    assert model["ExecutionRoleArn"] == ROLE
    assert model["ModelName"].startswith("scones-ic-")

    config = sagemaker_api.request("CreateEndpointConfig")
    assert config["EndpointConfigName"] == "scones-ic"
    [variant] = config["ProductionVariants"]
    assert variant["ModelName"] == model["ModelName"]
    assert variant["InstanceType"] == "ml.m5.xlarge"
    assert variant["InitialInstanceCount"] == 1
    capture = config["DataCaptureConfig"]
    assert capture["EnableCapture"] is True
    assert capture["InitialSamplingPercentage"] == 50
    assert capture["DestinationS3Uri"] == CAPTURE
    assert {option["CaptureMode"] for option in capture["CaptureOptions"]} == {"Input", "Output"}

    endpoint = sagemaker_api.request("CreateEndpoint")
    assert endpoint["EndpointName"] == "scones-ic"
    assert endpoint["EndpointConfigName"] == "scones-ic"


@pytest.mark.parametrize(
    ("option", "value"),
    [("--endpoint-name", "scones_ic"), ("--capture-percentage", "101"), ("--model-data", "model.tar.gz")],
)
def test_bad_deploy_options_create_nothing(sagemaker_api: RecordingSageMaker, option: str, value: str) -> None:
    args = {"--model-data": f"{OUTPUT}/job-1/output/model.tar.gz", "--endpoint-name": "scones-ic"}
    args[option] = value
    base = ["--region", REGION, "deploy", "--role", ROLE, "--capture", CAPTURE]
    if option == "--capture-percentage":
        base += [option, value]
        args.pop(option)
    with pytest.raises(SystemExit) as exited:
        main([*base, *[part for pair in args.items() for part in pair]], session=sagemaker_api.session)
    assert exited.value.code == 2
    assert sagemaker_api.requests == []


def _png_folder(folder: Any, per_class: int) -> Any:
    from PIL import Image

    folder.mkdir(parents=True)
    lines = ["filename,label,class_name"]
    for label, name in enumerate(("bicycle", "motorcycle")):
        for index in range(per_class):
            filename = f"{name}_{index}.png"
            Image.new("RGB", (32, 32), (label * 200, index * 20, 50)).save(folder / filename)
            lines.append(f"{filename},{label},{name}")
    (folder / "labels.csv").write_text("\n".join(lines) + "\n")
    return folder
