"""Cold start of each function from the built Lambda artifact: import + first call, in a fresh interpreter.

    python benchmarks/coldstart.py [--runs 10] [--json]

Builds the artifact for this machine (scripts/package_lambda.py: the same lock, allow-list and pruning as the
arm64 one the template deploys), then for each handler starts `--runs` fresh interpreters that see only the
artifact, the AWS SDK (as the Lambda runtime provides it) and the standard library, and time the handler's import
and its first call. Serialize reads a real object and writes its claim, against an in-process moto server (what a
cold function does on its first image); Classify gets Serialize's answer and Filter Classify's; the review API
answers a signed-in reviewer's first `GET /api/pending` (a query of the reviews table's pending index), with the
claims API Gateway's JWT authorizer hands over and the access token the function confirms with the user pool. The
environment is the Lambda runtime's (LAMBDA_TASK_ROOT, a sampled trace header), so tracing is on as deployed: the
X-Ray SDK takes its Lambda path and sends its segments to a local UDP socket in place of the daemon. Prints the
median and p95 of each, and the sizes of both artifacts.

    python benchmarks/coldstart.py --runs 7 --against /tmp/before

compares with another source tree (`git archive <commit> | tar -x -C /tmp/before`): both artifacts are built,
and each handler's fresh interpreters alternate between them against the same moto server, so that a busy
machine weighs on both sides alike. Prints both sides' medians; each side's functions get their own side's
answers as input.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HANDLERS = ("serialize", "classify", "filter", "review_api")
SAMPLE = ROOT / "samples" / "bicycle-1.png"
BUCKET, KEY, TABLE = "coldstart-intake", "photos/bicycle-1.png", "coldstart-claims"
REVIEWS, RESULTS = "coldstart-reviews", "coldstart-results"
REVIEWER = "ann@example.com"
PENDING_REQUEST: dict[str, Any] = {
    "version": "2.0",
    "routeKey": "GET /api/pending",
    "rawPath": "/api/pending",
    "rawQueryString": "",
    "headers": {"accept": "application/json"},
    "requestContext": {
        "http": {"method": "GET", "path": "/api/pending", "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1"},
        "routeKey": "GET /api/pending",
        "stage": "$default",
        "requestId": "coldstart",
        "authorizer": {"jwt": {"claims": {"username": REVIEWER, "sub": "s", "cognito:groups": "[reviewers]"}}},
    },
    "isBase64Encoded": False,
}

CHILD = """
import json, sys, time
started = time.perf_counter()
sys.path[:0] = [{artifact!r}, {runtime!r}]
import handlers.{name} as module
imported = time.perf_counter()

class Context:
    function_name = "scones-{name}"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:scones-{name}"
    memory_limit_in_mb = 1024
    aws_request_id = "coldstart"
    log_group_name = "/aws/lambda/scones-{name}"
    log_stream_name = "coldstart"
    function_version = "$LATEST"
    def get_remaining_time_in_millis(self):
        return 10_000

output = module.handler(json.loads(sys.stdin.read()), Context())
called = time.perf_counter()
print(json.dumps({{"import_s": imported - started, "call_s": called - imported, "output": output}}))
"""


def build(out: Path, target_platform: str, python_version: str, keep_sources: bool = False, root: Path = ROOT) -> int:
    result = subprocess.run(
        [sys.executable, str(root / "scripts" / "package_lambda.py"), "--platform", target_platform,
         "--python-version", python_version, "--out", str(out), "--no-zip",
         *(["--keep-sources"] if keep_sources else [])],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    line = next(line for line in result.stdout.splitlines() if line.startswith("unzipped:"))
    return int(line.split()[1].replace(",", ""))


def _event(etag: str, version_id: str, size: int) -> dict[str, Any]:
    return {
        "event": {
            "version": "0",
            "id": "coldstart",
            "detail-type": "Object Created",
            "source": "aws.s3",
            "account": "123456789012",
            "time": "2026-12-02T10:00:00Z",
            "region": "us-east-1",
            "resources": [f"arn:aws:s3:::{BUCKET}"],
            "detail": {
                "version": "0",
                "bucket": {"name": BUCKET},
                "object": {"key": KEY, "size": size, "etag": etag, "version-id": version_id, "sequencer": "01"},
                "request-id": "R",
                "requester": "123456789012",
                "reason": "PutObject",
            },
        },
        "execution": "arn:aws:states:us-east-1:123456789012:express:pipeline:coldstart",
    }


def _signed_in_reviewer(cognito: Any) -> tuple[str, str, str]:
    """A user pool with the request's reviewer in the reviewers group, signed in: (pool id, client id, token)."""
    pool = cognito.create_user_pool(PoolName="coldstart")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="page", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    name, password = REVIEWER, "Correct-Horse-Battery-9"
    cognito.create_group(UserPoolId=pool, GroupName="reviewers")
    cognito.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool, Username=name, Password=password, Permanent=True)
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=name, GroupName="reviewers")
    token = cognito.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": name, "PASSWORD": password}
    )["AuthenticationResult"]["AccessToken"]
    return str(pool), str(client_id), str(token)


def _payload(
    name: str, outputs: dict[str, Any], dynamodb: Any, put: dict[str, Any], size: int, token: str
) -> dict[str, Any]:
    """The handler's input: Serialize's event (with its claim cleared), else the answers before it."""
    if name == "serialize":
        # A new claim each run: the first call of a cold function meets a new upload.
        for item in dynamodb.scan(TableName=TABLE)["Items"]:
            dynamodb.delete_item(TableName=TABLE, Key={"upload_id": item["upload_id"]})
        return _event(put["ETag"].strip('"'), put["VersionId"], size)
    if name == "classify":
        return {"image": outputs["serialize"]}
    if name == "review_api":
        return {**PENDING_REQUEST, "headers": {**PENDING_REQUEST["headers"], "authorization": f"Bearer {token}"}}
    return {"image": outputs["serialize"], "prediction": outputs["classify"]}


def _run(name: str, artifact: Path, runtime: Path, env: dict[str, str], payload: dict[str, Any]) -> dict[str, Any]:
    code = CHILD.format(artifact=str(artifact), runtime=str(runtime), name=name)
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{name}: {result.stderr[-2000:]}")
    found: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def _packager() -> Any:
    from testkit.scripts import load_script

    return load_script("package_lambda")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--json", action="store_true", dest="as_json")
    parser.add_argument(
        "--sources-only", action="store_true", help="drop the artifact's byte-code (what a build without it costs)"
    )
    parser.add_argument("--against", type=Path, help="another source tree to compare with, run by run")
    args = parser.parse_args()

    import boto3
    from moto.server import ThreadedMotoServer

    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        here = build(
            work / "lambda",
            _packager().this_platform(),
            f"{sys.version_info.major}.{sys.version_info.minor}",
            keep_sources=args.sources_only,
        )
        deployed = build(work / "lambda-arm64", "manylinux_2_34_aarch64", "3.12")
        sides = {"this": work / "lambda"}
        if args.against:
            build(work / "against", _packager().this_platform(), f"{sys.version_info.major}.{sys.version_info.minor}",
                  keep_sources=args.sources_only, root=args.against.resolve())  # fmt: skip
            sides = {"against": work / "against", **sides}
        runtime = _packager().lambda_runtime(work / "runtime")
        if args.sources_only:
            for artifact in sides.values():
                for cache in list(artifact.rglob("__pycache__")):
                    shutil.rmtree(cache)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = ThreadedMotoServer(port=0, verbose=False)
        server.start()
        # Stands in for the X-Ray daemon: segments are sent over UDP and nothing needs to answer.
        daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        daemon.bind(("127.0.0.1", 0))
        try:
            host, port = server.get_host_and_port()
            endpoint = f"http://{host}:{port}"
            credentials = {"aws_access_key_id": "x", "aws_secret_access_key": "x", "region_name": "us-east-1"}
            s3 = boto3.client("s3", endpoint_url=endpoint, **credentials)
            s3.create_bucket(Bucket=BUCKET)
            s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
            body = SAMPLE.read_bytes()
            put = s3.put_object(Bucket=BUCKET, Key=KEY, Body=body)
            dynamodb = boto3.client("dynamodb", endpoint_url=endpoint, **credentials)
            dynamodb.create_table(
                TableName=TABLE,
                AttributeDefinitions=[{"AttributeName": "upload_id", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "upload_id", "KeyType": "HASH"}],
                BillingMode="PAY_PER_REQUEST",
            )
            # The reviews table and its pending indexes, as the template declares them.
            pending_index = [{"AttributeName": "pending", "KeyType": "HASH"}]
            dynamodb.create_table(
                TableName=REVIEWS,
                AttributeDefinitions=[
                    {"AttributeName": name, "AttributeType": kind}
                    for name, kind in (("key", "S"), ("upload_id", "S"), ("pending", "S"), ("queued_at", "S"),
                                       ("margin", "N"))
                ],
                KeySchema=[{"AttributeName": "key", "KeyType": "HASH"},
                           {"AttributeName": "upload_id", "KeyType": "RANGE"}],
                GlobalSecondaryIndexes=[
                    {"IndexName": f"pending-by-{sort}", "Projection": {"ProjectionType": "ALL"},
                     "KeySchema": [*pending_index, {"AttributeName": attribute, "KeyType": "RANGE"}]}
                    for sort, attribute in (("age", "queued_at"), ("margin", "margin"))
                ],
                BillingMode="PAY_PER_REQUEST",
            )  # fmt: skip
            pool, pool_client, token = _signed_in_reviewer(boto3.client("cognito-idp", endpoint_url=endpoint,
                                                                        **credentials))  # fmt: skip
            env = {
                "PATH": "/usr/bin:/bin",
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": "x",
                "AWS_SECRET_ACCESS_KEY": "x",
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_LAMBDA_FUNCTION_NAME": "scones",
                # What the runtime sets: the X-Ray SDK samples locally on Lambda (no sampling client), and the
                # trace header makes this invocation a sampled one.
                "LAMBDA_TASK_ROOT": str(work / "lambda"),
                "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
                "_X_AMZN_TRACE_ID": "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1",
                "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{daemon.getsockname()[1]}",
                "POWERTOOLS_METRICS_NAMESPACE": "Scones",
                "POWERTOOLS_LOG_LEVEL": "WARNING",
                "IDEMPOTENCY_TABLE": TABLE,
                "AWS_REGION": "us-east-1",
                "REVIEWS_TABLE": REVIEWS,
                "RESULTS_TABLE": RESULTS,
                "REVIEW_QUEUE_URL": f"{endpoint}/123456789012/coldstart-review",
                "INTAKE_BUCKET": BUCKET,
                "USER_POOL_CLIENT_ID": pool_client,
                "USER_POOL_ID": pool,
                # /var/task is read-only: nothing compiled on import may be kept for the next cold start.
                "PYTHONDONTWRITEBYTECODE": "1",
            }
            figures: dict[str, dict[str, dict[str, float]]] = {side: {} for side in sides}
            outputs: dict[str, dict[str, Any]] = {side: {} for side in sides}  # each side's first answers
            for name in HANDLERS:
                totals: dict[str, list[float]] = {side: [] for side in sides}
                imports: dict[str, list[float]] = {side: [] for side in sides}
                for _ in range(args.runs):
                    for side, artifact in sides.items():
                        found = _run(name, artifact, runtime, {**env, "LAMBDA_TASK_ROOT": str(artifact)},
                                     _payload(name, outputs[side], dynamodb, put, len(body), token))  # fmt: skip
                        if name == "review_api" and found["output"]["statusCode"] != 200:
                            raise RuntimeError(f"review_api answered {found['output']}")
                        outputs[side].setdefault(name, found["output"])
                        imports[side].append(found["import_s"])
                        totals[side].append(found["import_s"] + found["call_s"])
                for side in sides:
                    figures[side][name] = {
                        "import_p50_s": statistics.median(imports[side]),
                        "total_p50_s": statistics.median(totals[side]),
                        "total_p95_s": sorted(totals[side])[max(0, round(0.95 * args.runs) - 1)],
                    }
        finally:
            daemon.close()
            server.stop()
    report = {
        "runs": args.runs,
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "load_average": os.getloadavg(),
        "artifact_here_mib": here / 2**20,
        "artifact_arm64_mib": deployed / 2**20,
        "bytecode": not args.sources_only,
        "handlers": figures["this"],
        **({"against": str(args.against), "handlers_against": figures["against"]} if args.against else {}),
    }
    if args.as_json:
        print(json.dumps(report, indent=2))
        return
    print(f"artifact unzipped: arm64 (deployed) {deployed / 2**20:.1f} MiB, here {here / 2**20:.1f} MiB")
    print(f"load average at the end: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    for side, rows in figures.items():
        if args.against:
            print(f"{side}: {args.against if side == 'against' else ROOT}")
        print(f"{'handler':10} {'import p50':>11} {'import+1st call p50':>20} {'p95':>8}   ({args.runs} runs)")
        for name, row in rows.items():
            print(f"{name:10} {row['import_p50_s']:>10.3f}s {row['total_p50_s']:>19.3f}s {row['total_p95_s']:>7.3f}s")


if __name__ == "__main__":
    main()
