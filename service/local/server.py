"""The local stack's process: a moto server with Step Functions execution on, the template deployed into it,
EventBridge delivering to Step Functions, and the Lambda handlers running in-process.

Run through `scones up`; `python -m service.local.server --port N --state-file F` is what `--detach` starts.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import threading
from pathlib import Path

import requests

REGION = "us-east-1"


def _prepare_environment(port: int) -> str:
    endpoint = f"http://127.0.0.1:{port}"
    # The handlers and moto's Step Functions interpreter both talk to this server through boto3.
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": endpoint,
            "MOTO_PORT": str(port),
            # Traces have no daemon to go to locally.
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
    )
    os.environ.pop("AWS_PROFILE", None)
    return endpoint


def start(
    port: int,
    parameters: dict[str, str] | None = None,
    state_file: Path | None = None,
    iam: str = "enforce",
    template: Path | None = None,
) -> tuple[object, dict[str, object]]:
    """Starts the server in this process and deploys the stack; returns the server and the stack's status."""
    endpoint = _prepare_environment(port)

    from moto.server import ThreadedMotoServer

    from service.iam import access as iam_access
    from service.local import backlog, eventbridge, faults, http_api, lambdas, patches
    from service.local.provision import function_environment, provision

    access_log = state_file.with_suffix(".access.jsonl") if state_file is not None else None
    if access_log is not None:
        access_log.unlink(missing_ok=True)
    iam_access.configure(iam, access_log)  # type: ignore[arg-type]  # checked there
    # Denials and soft-mode violations go to the stack's log.
    iam_log = logging.getLogger("scones.iam")
    iam_log.setLevel(logging.INFO)
    iam_log.addHandler(logging.StreamHandler())
    patches.install(with_faults=state_file is not None)
    if state_file is not None:
        faults.install(state_file)
    # One log line per request costs the server as much as serving a small request; errors still show.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    eventbridge.configure(REGION)
    backlog.install(REGION)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    requests.post(
        f"{endpoint}/moto-api/config",
        json={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}},
        timeout=10,
    ).raise_for_status()
    info, ids, resources = provision(endpoint, REGION, parameters, template)
    roles_file = state_file.with_suffix(".roles.json") if state_file is not None else None
    if roles_file is not None:
        roles_file.write_text(json.dumps(iam_access.deployed_roles(resources), indent=2), encoding="utf-8")
    # The workers that run the handlers start with the environment the template gives the functions.
    os.environ.update(function_environment(endpoint, REGION))
    # moto cannot run the HTTP API: the local stack serves it, in front of the same function, whose page signs
    # in through it (before the workers start, so they know where).
    review_url, _ = http_api.serve(
        endpoint, REGION, ids, lambdas.InProcessLambdaClient(REGION).invoke, template=template
    )
    os.environ["COGNITO_ENDPOINT"] = review_url.rstrip("/") + http_api.COGNITO_PATH
    lambdas.install(endpoint, REGION)
    info = info.model_copy(update={"review_url": review_url})
    status = {
        "pid": os.getpid(),
        "port": port,
        **info.model_dump(),
        "iam": iam,
        "access_log": str(access_log) if access_log is not None else None,
        "deployed_roles": str(roles_file) if roles_file is not None else None,
        "execution_concurrency": backlog.current().concurrency,
    }
    return server, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--state-file", type=Path, required=True)
    parser.add_argument("--parameter", action="append", default=[], help="Key=Value template parameter")
    parser.add_argument("--iam", choices=["enforce", "soft"], default="enforce")
    parser.add_argument("--template", type=Path, help="a copy of infra/template.yaml (beside it) to deploy instead")
    args = parser.parse_args()
    parameters = dict(item.split("=", 1) for item in args.parameter)

    server, status = start(args.port, parameters, args.state_file, args.iam, args.template)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    # Written last and atomically: its presence means "ready".
    partial = args.state_file.with_suffix(".tmp")
    partial.write_text(json.dumps(status, indent=2), encoding="utf-8")
    partial.replace(args.state_file)
    print(f"scones local stack ready on {status['endpoint_url']}", flush=True)
    try:
        stop.wait()
    finally:
        args.state_file.unlink(missing_ok=True)
        from service.local import backlog, lambdas

        backlog.shutdown()
        lambdas.shutdown()
        server.stop()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
