"""Trains SageMaker's built-in image-classification algorithm on the staged data; deploys it, capturing data.

    python -m training.sagemaker_job train --data s3://bucket/scones/data \\
        --role arn:aws:iam::123456789012:role/SageMaker --output s3://bucket/scones/models \\
        [--instance-type ml.p3.2xlarge] [--epochs 30] \\
        [--deploy --endpoint-name scones --capture s3://bucket/scones/capture]
    python -m training.sagemaker_job deploy --model-data s3://bucket/scones/models/JOB/output/model.tar.gz \\
        --role arn:aws:iam::123456789012:role/SageMaker --endpoint-name scones --capture s3://bucket/scones/capture

`--data` is the prefix that `python -m training.data --upload` printed: the train, validation, train_lst and
validation_lst channels, and manifest.json (the source of num_training_samples unless it is passed). The
endpoint answers `application/x-image` with JSON probabilities: service/backends/sagemaker.py calls it.
Needs the `sagemaker` extra.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
from collections.abc import Sequence
from typing import Any, Literal

import boto3
from botocore.exceptions import ClientError, WaiterError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

S3_URI = r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?$"
ROLE_ARN = r"^arn:aws[a-z\-]*:iam::\d{12}:role/.+$"
# SageMaker's rule for endpoint names.
ENDPOINT_NAME = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"

ALGORITHM = "image-classification"
# The image format (not RecordIO): all four channels are application/x-image, as the algorithm documents.
CONTENT_TYPE = "application/x-image"
TRAINING_CHANNELS = ("train", "validation", "train_lst", "validation_lst")
# The algorithm trains on GPU instances only (P2/P3 families and later); CPU instances can serve it.
DEFAULT_TRAINING_INSTANCE = "ml.p3.2xlarge"
DEFAULT_SERVING_INSTANCE = "ml.m5.xlarge"
GPU_FAMILIES = ("ml.p2.", "ml.p3.", "ml.p4", "ml.p5", "ml.g4dn.", "ml.g5.", "ml.g6")
# Depths the algorithm builds; the ImageNet-pretrained weights exist for the first set only.
PRETRAINED_DEPTHS = (18, 34, 50, 101, 152)
SMALL_IMAGE_DEPTHS = (20, 32, 44, 56, 110)
NumLayers = Literal[18, 20, 32, 34, 44, 50, 56, 101, 110, 152, 200]


class ImageClassificationHyperparameters(BaseModel):
    """The algorithm's hyperparameters, checked here rather than minutes into a paid training job."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    num_training_samples: int = Field(gt=0, description="Images in the train channel (the .lst lines).")
    num_classes: int = Field(default=2, ge=2)
    image_shape: str = Field(default="3,32,32", pattern=r"^[13],\d+,\d+$", description="channels,height,width")
    num_layers: NumLayers = 20
    use_pretrained_model: Literal[0, 1] = 0
    epochs: int = Field(default=30, gt=0, le=1000)
    learning_rate: float = Field(default=0.05, gt=0.0, le=1.0)
    mini_batch_size: int = Field(default=32, gt=0)
    optimizer: Literal["sgd", "adam", "rmsprop", "nag"] = "sgd"
    momentum: float = Field(default=0.9, ge=0.0, lt=1.0)
    weight_decay: float = Field(default=0.0001, ge=0.0, lt=1.0)
    augmentation_type: Literal["crop", "crop_color", "crop_color_transform"] | None = "crop_color_transform"
    early_stopping: bool = False
    early_stopping_min_epochs: int = Field(default=10, gt=0)
    early_stopping_patience: int = Field(default=5, gt=0)
    early_stopping_tolerance: float = Field(default=0.0, ge=0.0, lt=1.0)
    precision_dtype: Literal["float32", "float16"] = "float32"

    @model_validator(mode="after")
    def _consistent(self) -> ImageClassificationHyperparameters:
        if self.mini_batch_size > self.num_training_samples:
            samples = self.num_training_samples
            raise ValueError(f"mini_batch_size {self.mini_batch_size} exceeds the {samples} training images")
        if self.use_pretrained_model and self.num_layers not in PRETRAINED_DEPTHS:
            raise ValueError(f"pretrained weights exist for num_layers {PRETRAINED_DEPTHS}, not {self.num_layers}")
        if self.early_stopping and self.early_stopping_min_epochs >= self.epochs:
            minimum = self.early_stopping_min_epochs
            raise ValueError(f"early_stopping_min_epochs {minimum} is not below epochs {self.epochs}")
        return self

    def to_sagemaker(self) -> dict[str, str]:
        """CreateTrainingJob takes every hyperparameter as a string; booleans as the algorithm spells them."""
        values = self.model_dump(exclude_none=True)
        if not self.early_stopping:
            values = {name: value for name, value in values.items() if not name.startswith("early_stopping_")}
        return {name: _as_string(value) for name, value in values.items()}


def _as_string(value: object) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return repr(value) if isinstance(value, float) else str(value)


class TrainingJobConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    data: str = Field(pattern=S3_URI, description="The staged prefix holding the four channels.")
    role: str = Field(pattern=ROLE_ARN)
    output: str = Field(pattern=S3_URI)
    hyperparameters: ImageClassificationHyperparameters
    instance_type: str = Field(default=DEFAULT_TRAINING_INSTANCE, pattern=r"^ml\.[a-z0-9]+\.[a-z0-9]+$")
    instance_count: int = Field(default=1, ge=1)
    volume_size_gb: int = Field(default=30, ge=1)
    max_run_seconds: int = Field(default=4 * 3600, gt=0)
    base_job_name: str = Field(default="scones-image-classification", pattern=ENDPOINT_NAME)

    def channel_uris(self) -> dict[str, str]:
        base = self.data.rstrip("/")
        return {name: f"{base}/{name}/" for name in TRAINING_CHANNELS}


class DeploymentConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    model_data: str = Field(pattern=S3_URI)
    role: str = Field(pattern=ROLE_ARN)
    endpoint_name: str = Field(pattern=ENDPOINT_NAME)
    capture: str = Field(pattern=S3_URI, description="Where data capture writes requests and responses.")
    capture_percentage: int = Field(default=100, ge=0, le=100)
    instance_type: str = Field(default=DEFAULT_SERVING_INSTANCE, pattern=r"^ml\.[a-z0-9]+\.[a-z0-9]+$")
    instance_count: int = Field(default=1, ge=1)


class TrainingOutcome(BaseModel):
    job_name: str
    status: str
    model_data: str | None = None


def make_session(region: str | None = None) -> Any:
    """A SageMaker SDK session on the default AWS credential chain."""
    from sagemaker.session import Session

    return Session(boto_session=boto3.session.Session(region_name=region))


def algorithm_image(region: str) -> str:
    from sagemaker import image_uris

    return image_uris.retrieve(ALGORITHM, region)


def read_num_training_samples(data: str, s3_client: Any) -> int:
    """The train count from the staged manifest.json (written by training.data)."""
    bucket, _, prefix = data.removeprefix("s3://").partition("/")
    key = f"{prefix.strip('/')}/manifest.json" if prefix.strip("/") else "manifest.json"
    try:
        manifest = json.loads(s3_client.get_object(Bucket=bucket, Key=key)["Body"].read())
        count = sum(manifest["counts"]["train"].values())
    except (ClientError, ValueError, KeyError, AttributeError) as error:
        raise ValueError(
            f"cannot read the training count from s3://{bucket}/{key} ({error}); pass --num-training-samples"
        ) from error
    if count <= 0:
        raise ValueError(f"s3://{bucket}/{key} lists no training images")
    return count


def build_estimator(config: TrainingJobConfig, session: Any) -> Any:
    from sagemaker.estimator import Estimator

    # Plain strings, which the SDK's wider (pipeline-variable) parameter type accepts.
    hyperparameters: dict[str, Any] = dict(config.hyperparameters.to_sagemaker())
    return Estimator(
        image_uri=algorithm_image(session.boto_region_name),
        role=config.role,
        instance_count=config.instance_count,
        instance_type=config.instance_type,
        volume_size=config.volume_size_gb,
        max_run=config.max_run_seconds,
        output_path=config.output,
        base_job_name=config.base_job_name,
        hyperparameters=hyperparameters,
        sagemaker_session=session,
        # Debugger hooks and the profiler instrument framework scripts; the built-in algorithm has neither.
        debugger_hook_config=False,
        disable_profiler=True,
    )


def training_inputs(config: TrainingJobConfig) -> dict[str, Any]:
    from sagemaker.inputs import TrainingInput

    return {
        name: TrainingInput(s3_data=uri, content_type=CONTENT_TYPE, s3_data_type="S3Prefix")
        for name, uri in config.channel_uris().items()
    }


def start_training(config: TrainingJobConfig, session: Any) -> str:
    """Starts the training job (CreateTrainingJob) and returns its name without waiting."""
    estimator = build_estimator(config, session)
    estimator.fit(inputs=training_inputs(config), wait=False, logs=False)
    return str(estimator.latest_training_job.name)


def wait_for_training(job_name: str, session: Any, max_run_seconds: int, poll_seconds: int = 30) -> TrainingOutcome:
    """Polls DescribeTrainingJob (first poll at once) until the job ends; refuses anything but Completed."""
    client = session.sagemaker_client
    waiter = client.get_waiter("training_job_completed_or_stopped")
    attempts = math.ceil(max_run_seconds / poll_seconds) + 20  # the run limit plus startup and upload
    # A failed job, or one still running at the limit, ends the wait too: its description below says which.
    with contextlib.suppress(WaiterError):
        waiter.wait(TrainingJobName=job_name, WaiterConfig={"Delay": poll_seconds, "MaxAttempts": attempts})
    description = client.describe_training_job(TrainingJobName=job_name)
    status = description["TrainingJobStatus"]
    if status != "Completed":
        reason = description.get("FailureReason", "no reason given")
        raise RuntimeError(f"training job {job_name} is {status}: {reason}")
    return TrainingOutcome(
        job_name=job_name, status=status, model_data=description["ModelArtifacts"]["S3ModelArtifacts"]
    )


def deploy_model(config: DeploymentConfig, session: Any, wait: bool = False) -> None:
    """CreateModel, CreateEndpointConfig (with data capture) and CreateEndpoint for a trained model.tar.gz."""
    from sagemaker.model import Model
    from sagemaker.model_monitor import DataCaptureConfig
    from sagemaker.utils import name_from_base

    model = Model(
        image_uri=algorithm_image(session.boto_region_name),
        model_data=config.model_data,
        role=config.role,
        name=name_from_base(config.endpoint_name),
        sagemaker_session=session,
    )
    capture = DataCaptureConfig(
        enable_capture=True,
        sampling_percentage=config.capture_percentage,
        destination_s3_uri=config.capture,
        # The SDK would otherwise build its own default session (and demand a configured region).
        sagemaker_session=session,
    )
    model.deploy(
        initial_instance_count=config.instance_count,
        instance_type=config.instance_type,
        endpoint_name=config.endpoint_name,
        data_capture_config=capture,
        wait=wait,
    )


# --- Command line -------------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training.sagemaker_job", description=__doc__.split("\n")[0])
    parser.add_argument("--region", help="AWS region (default: the AWS configuration's)")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="start a training job on the staged data")
    train.add_argument("--data", required=True, help="s3:// prefix printed by `python -m training.data --upload`")
    train.add_argument("--role", required=True, help="SageMaker execution role ARN")
    train.add_argument("--output", required=True, help="s3:// prefix for the model artifacts")
    train.add_argument("--instance-type", default=DEFAULT_TRAINING_INSTANCE, help="a GPU training instance")
    train.add_argument("--epochs", type=int, default=30)
    train.add_argument("--learning-rate", type=float, default=0.05)
    train.add_argument("--mini-batch-size", type=int, default=32)
    train.add_argument("--num-layers", type=int, default=20)
    train.add_argument("--use-pretrained-model", type=int, choices=(0, 1), default=0)
    train.add_argument("--early-stopping", action="store_true")
    train.add_argument("--num-training-samples", type=int, help="default: from the staged manifest.json")
    train.add_argument("--deploy", action="store_true", help="wait for the job, then deploy its model")
    _add_deploy_options(train, model_data=False)

    deploy = commands.add_parser("deploy", help="deploy a trained model.tar.gz behind an endpoint")
    deploy.add_argument("--role", required=True, help="SageMaker execution role ARN")
    _add_deploy_options(deploy, model_data=True)
    deploy.add_argument("--wait", action="store_true", help="wait until the endpoint is InService")
    return parser


def _add_deploy_options(parser: argparse.ArgumentParser, model_data: bool) -> None:
    if model_data:
        parser.add_argument("--model-data", required=True, help="s3://.../model.tar.gz")
    parser.add_argument("--endpoint-name", required=model_data)
    parser.add_argument("--capture", required=model_data, help="s3:// prefix for data capture")
    parser.add_argument("--capture-percentage", type=int, default=100)
    parser.add_argument("--serving-instance-type", default=DEFAULT_SERVING_INSTANCE)


def _deployment(args: argparse.Namespace, model_data: str) -> DeploymentConfig:
    return DeploymentConfig(
        model_data=model_data,
        role=args.role,
        endpoint_name=args.endpoint_name,
        capture=args.capture,
        capture_percentage=args.capture_percentage,
        instance_type=args.serving_instance_type,
    )


def _train(args: argparse.Namespace, session: Any) -> None:
    if args.deploy and not (args.endpoint_name and args.capture):
        raise ValueError("--deploy needs --endpoint-name and --capture")
    samples = args.num_training_samples or read_num_training_samples(args.data, session.s3_client)
    config = TrainingJobConfig(
        data=args.data,
        role=args.role,
        output=args.output,
        instance_type=args.instance_type,
        hyperparameters=ImageClassificationHyperparameters(
            num_training_samples=samples,
            epochs=args.epochs,
            learning_rate=args.learning_rate,
            mini_batch_size=args.mini_batch_size,
            num_layers=args.num_layers,
            use_pretrained_model=args.use_pretrained_model,
            early_stopping=args.early_stopping,
        ),
    )
    # Deployment options are checked before a paid job starts; the model's location is known after it.
    deployment = _deployment(args, "s3://pending/model.tar.gz") if args.deploy else None
    if not config.instance_type.startswith(GPU_FAMILIES):
        print(
            f"warning: {config.instance_type} is not a GPU instance; the algorithm trains on GPUs",
            file=sys.stderr,
        )
    job_name = start_training(config, session)
    print(f"training job {job_name} started: {config.output.rstrip('/')}/{job_name}/output/model.tar.gz")
    if deployment is None:
        return
    outcome = wait_for_training(job_name, session, config.max_run_seconds)
    print(f"training job {job_name} completed: {outcome.model_data}")
    deploy_model(deployment.model_copy(update={"model_data": outcome.model_data}), session)
    print(f"endpoint {deployment.endpoint_name} is being created (capture to {deployment.capture})")


def main(argv: Sequence[str] | None = None, session: Any | None = None) -> int:
    """The command line; `session` (a `sagemaker.session.Session`) replaces the one built from `--region`."""
    parser = _parser()
    args = parser.parse_args(argv)
    session = session or make_session(args.region)
    try:
        if args.command == "train":
            _train(args, session)
        else:
            deployment = _deployment(args, args.model_data)
            deploy_model(deployment, session, wait=args.wait)
            print(f"endpoint {deployment.endpoint_name} is being created (capture to {deployment.capture})")
    except ValidationError as error:
        parser.error("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()))
    except (ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
