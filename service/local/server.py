"""The local stack's process: a moto server with Step Functions execution on, the template deployed into it,
EventBridge delivering to Step Functions, and the Lambda handlers running in-process.

Run through `scones up`; `python -m service.local.server --port N --state-file F` is what `--detach` starts.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from service.local import persistence
from service.local.persistence import identifiers_of, journal, snapshot, tape
from service.local.persistence.capture import replay

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


def _durable_server(port: int) -> Any:
    """moto's threaded server with its WSGI application wrapped in `DurableApp` (reachable as `.durable`)."""
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    from service.local.persistence.capture import DurableApp

    class DurableServer(ThreadedMotoServer):
        durable = DurableApp(DomainDispatcherApplication(create_backend_app))

        def _server_entry(self) -> None:
            # moto's own, around the wrapped application.
            self._server = make_server(
                self._ip_address, self._port, self.durable, True, request_handler=MotoRequestHandler
            )
            self._server_ready_event.set()
            self._server.serve_forever()

    return DurableServer(ip_address="127.0.0.1", port=port, verbose=False)


def start(
    port: int,
    parameters: dict[str, str] | None = None,
    state_file: Path | None = None,
    iam: str = "enforce",
    template: Path | None = None,
    data_dir: Path | None = None,
) -> tuple[object, dict[str, object]]:
    """Starts the server in this process and deploys the stack; returns the server and the stack's status.

    With `data_dir`, the stack's state is kept there (`service.local.persistence`): restored first, then every
    acknowledged change journaled; else the stack is ephemeral."""
    started = datetime.now(UTC)
    endpoint = _prepare_environment(port)

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
    manifest = None
    if data_dir is not None:
        tape.install()
        persistence.route_s3_events()
        manifest = persistence.read_manifest(data_dir)
        if manifest is None:
            manifest = persistence.Manifest(port=port)
            persistence.write_manifest(data_dir, manifest)
        persistence.check_versions(data_dir, manifest, port)
    # One log line per request costs the server as much as serving a small request; errors still show.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    eventbridge.configure(REGION)
    backlog.install(REGION)
    server = _durable_server(port)
    server.start()
    requests.post(
        f"{endpoint}/moto-api/config",
        json={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}},
        timeout=10,
    ).raise_for_status()
    if manifest is not None:
        # moto draws every generated name from one generator: seeded alike, one template deploys alike.
        requests.post(f"{endpoint}/moto-api/seed?a={manifest.seed}", timeout=10).raise_for_status()
    info, ids, resources = provision(endpoint, REGION, parameters, template)
    replayed = 0
    if data_dir is not None and manifest is not None:
        from moto.moto_api._internal import mock_random

        # Fresh entropy from here on: ids made after a restart must not repeat those made before it.
        mock_random.seed(secrets.randbits(64))
        replayed = _restore(server.durable, data_dir)
    roles_file = state_file.with_suffix(".roles.json") if state_file is not None else None
    if roles_file is not None:
        roles_file.write_text(json.dumps(iam_access.deployed_roles(resources), indent=2), encoding="utf-8")
    # The workers that run the handlers start with the environment the template gives the functions.
    os.environ.update(function_environment(endpoint, REGION))
    # moto cannot run the HTTP API: the local stack serves it, in front of the same function, whose page signs
    # in through it (before the workers start, so they know where).
    review_port = manifest.review_port if manifest is not None and manifest.review_port else 0
    try:
        review_url, review_server = http_api.serve(
            endpoint, REGION, ids, lambdas.InProcessLambdaClient(REGION).invoke, port=review_port, template=template
        )
    except OSError as error:
        raise persistence.DataDirError(
            f"The review URL's port {review_port} (kept in {data_dir}) is taken by another program: {error}."
        ) from error
    os.environ["COGNITO_ENDPOINT"] = review_url.rstrip("/") + http_api.COGNITO_PATH
    lambdas.install(endpoint, REGION)
    info = info.model_copy(update={"review_url": review_url})
    if data_dir is not None and manifest is not None:
        now = identifiers_of(info.model_dump())
        if manifest.identifiers:
            persistence.compare_identifiers(data_dir, manifest.identifiers, now)
        persistence.write_manifest(
            data_dir,
            manifest.model_copy(
                update={
                    "review_port": review_server.server_address[1],
                    "identifiers": now,
                    # From here on the journal may hold this version's records (a snapshot).
                    "format": persistence.FORMAT,
                    "scones_version": persistence.scones_version(),
                }
            ),
        )
        if replayed:
            from service.local.persistence.redrive import redrive

            count = redrive(endpoint, info, os.environ["IDEMPOTENCY_TABLE"], started)
            logging.getLogger("scones.persistence").warning(
                "restored %d journaled changes; re-drove %d uploads without an outcome", replayed, count
            )
    status = {
        "pid": os.getpid(),
        "port": port,
        **info.model_dump(),
        "iam": iam,
        "access_log": str(access_log) if access_log is not None else None,
        "deployed_roles": str(roles_file) if roles_file is not None else None,
        "execution_concurrency": backlog.current().concurrency,
        "data_dir": str(data_dir) if data_dir is not None else None,
    }
    return server, status


def _restore(durable: Any, data_dir: Path) -> int:
    """Replays the journal into the fresh moto, then journals from here on; returns how many records. A journal
    past the size is compacted now, so that the next start (after a crash, say) replays the snapshot."""
    path = data_dir / persistence.JOURNAL
    count = replay(durable.app, journal.read(path))
    durable.journal = journal.Journal(path)
    durable.compact_bytes = persistence.COMPACT_BYTES
    if durable.journal.size() > persistence.COMPACT_BYTES:
        durable.compact(snapshot.records)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--state-file", type=Path, required=True)
    parser.add_argument("--parameter", action="append", default=[], help="Key=Value template parameter")
    parser.add_argument("--iam", choices=["enforce", "soft"], default="enforce")
    parser.add_argument("--template", type=Path, help="a copy of infra/template.yaml (beside it) to deploy instead")
    parser.add_argument("--data-dir", type=Path, help="where the stack's state is kept (none: ephemeral)")
    args = parser.parse_args()
    parameters = dict(item.split("=", 1) for item in args.parameter)

    try:
        server, status = start(args.port, parameters, args.state_file, args.iam, args.template, args.data_dir)
    except persistence.DataDirError as error:
        print(f"scones: {error}", flush=True)
        raise SystemExit(3) from error
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
        _stop(server, args.state_file)


def _stop(server: Any, state_file: Path) -> None:
    """Stops in about a second: changes are refused from the first moment (each one acknowledged is journaled
    already), the journal is compacted and closed, then the process ends without tearing down moto's objects one
    by one (the interpreter's own exit took seconds with a day's state, more with executions still running)."""
    from service.local import backlog, lambdas

    log = logging.getLogger("scones.persistence")
    kept = server.durable.stop()
    state_file.unlink(missing_ok=True)
    backlog.shutdown()
    lambdas.shutdown()
    server.stop()
    code = 0
    if kept is not None:
        try:
            count = kept.replace(snapshot.records())
            log.warning("compacted the journal into %d records", count)
        except Exception:
            # The journal as it was is whole: the next start replays it.
            log.exception("could not compact the journal")
            code = 1
        kept.close()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
