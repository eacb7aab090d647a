"""The Lambda artifact: built by scripts/package_lambda.py for this machine, then imported from the artifact alone."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from testkit.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "bicycle-1.png"


packager = load_script("package_lambda")


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("artifact") / "lambda"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "package_lambda.py"),
            "--platform",
            packager.this_platform(),
            "--python-version",
            f"{sys.version_info.major}.{sys.version_info.minor}",
            "--out",
            str(out),
            # Zipping 170 MB costs ~15 s; the zip writer is tested on a small tree below.
            "--no-zip",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "unzipped:" in result.stdout
    return out


def test_dependencies_come_from_pyproject() -> None:
    deps = packager.runtime_dependencies()
    names = {d.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip() for d in deps}
    assert {"aws-lambda-powertools", "pydantic", "onnxruntime", "pillow", "numpy"} <= names
    assert not names & {"torch", "moto", "typer", "rich"}


def test_newer_manylinux_targets_accept_older_wheels() -> None:
    tags = packager.compatible_platforms("manylinux_2_34_aarch64")
    assert tags[0] == "manylinux_2_34_aarch64"
    assert "manylinux_2_28_aarch64" in tags and "manylinux_2_17_aarch64" in tags
    assert tags[-1] == "manylinux2014_aarch64"
    assert not any("x86_64" in tag for tag in tags)


def test_artifact_holds_handlers_service_and_model_but_not_the_laptop_parts(artifact: Path) -> None:
    for name in ("handlers/serialize.py", "handlers/classify.py", "handlers/filter.py", "service/pipeline/steps.py"):
        assert (artifact / name).is_file(), name
    assert (artifact / "models" / "model.onnx").stat().st_size == (ROOT / "models" / "model.onnx").stat().st_size
    assert (artifact / "models" / "model_card.json").is_file()
    # Only the runtime layers ship: operator tools, the CLI and the local stack stay behind; of the web layer only
    # the review page's files, which the review API serves, and none of its code.
    assert sorted(p.name for p in (artifact / "service").iterdir() if p.name != "__pycache__") == [
        "__init__.py",
        "dal",
        "domain",
        "images",
        "pipeline",
        "review",
        "runtime",
        "web",
    ]
    shipped_page = sorted(
        p.relative_to(artifact / "service" / "web").as_posix()
        for p in (artifact / "service" / "web").rglob("*")
        if p.is_file()
    )
    assert shipped_page == ["static/index.html", "static/review.css", "static/review.js"]
    assert not (artifact / "torch").exists() and not (artifact / "moto").exists()
    # Byte-code of the target's version (here this interpreter's): a read-only /var/task cannot cache it.
    tag = sys.implementation.cache_tag
    for source in [
        *(artifact / "handlers").glob("*.py"),
        *(artifact / "service" / "pipeline").glob("*.py"),
        *(artifact / "service" / "review").glob("*.py"),
    ]:
        assert (source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc").is_file(), source
    assert packager.directory_size(artifact) < 250 * 2**20  # Lambda's unzipped limit
    # The runtime's own SDK is used, and onnxruntime's offline tools stay behind with what only they import.
    for left_out in ("boto3", "botocore", "s3transfer", "google", "sympy", "onnxruntime/tools", "numpy/f2py"):
        assert not (artifact / left_out).exists(), left_out


def test_the_artifact_installs_exactly_the_lock(artifact: Path) -> None:
    from importlib.metadata import distributions

    installed = {
        f"{packager._normalised(d.metadata['Name'])}=={d.version}" for d in distributions(path=[str(artifact)])
    }
    assert installed == set(packager.locked_requirements())
    lock_names = {line.split("==")[0] for line in packager.locked_requirements()}
    assert not lock_names & {packager._normalised(n) for n in (*packager.RUNTIME_PROVIDED, *packager.EXCLUDED)}


def test_the_lock_pins_what_pyproject_asks_for() -> None:
    lock_names = {line.split("==")[0] for line in packager.locked_requirements()}
    for requirement in packager.runtime_dependencies():
        name = packager._normalised(re.split(r"[\[=<>!~ ]", requirement, maxsplit=1)[0])
        assert name in lock_names or name in packager.RUNTIME_PROVIDED, name
    assert all("==" in line for line in packager.locked_requirements())


def test_the_zip_is_smaller_and_reproducible(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "a.py").write_text("x = 1\n" * 1000)
    (tree / "model.bin").write_bytes(bytes(range(256)) * 64)
    first = packager.write_zip(tree, tmp_path / "one.zip")
    (tree / "pkg" / "a.py").touch()  # a newer mtime must not change the archive
    packager.write_zip(tree, tmp_path / "two.zip")
    assert first < packager.directory_size(tree)
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        assert sorted(archive.namelist()) == ["model.bin", "pkg/a.py"]


def test_handlers_import_and_classify_from_the_artifact_alone(artifact: Path, tmp_path: Path) -> None:
    """No site-packages (-S), no environment or user site (-I): only the artifact, the runtime's SDK and the
    standard library."""
    runtime = packager.lambda_runtime(tmp_path / "runtime")
    code = f"""
import base64, json, sys
sys.path.insert(0, {str(artifact)!r})
sys.path.insert(1, {str(runtime)!r})
import handlers.serialize, handlers.classify, handlers.filter, handlers.review_api
from PIL import Image
from service.domain import paths
from service.domain import preprocessing
from service.pipeline.backends import get_classifier
image = preprocessing.fit_to_input(Image.open({str(SAMPLE)!r}).convert("RGB"))
prediction = get_classifier().predict([image])[0]
outside = sorted(
    name for name, module in sys.modules.items()
    if getattr(module, "__file__", None) and "site-packages" in module.__file__
)
page = handlers.review_api.handler(
    {{"version": "2.0", "rawPath": "/", "rawQueryString": "", "headers": {{}}, "isBase64Encoded": False,
     "requestContext": {{"http": {{"method": "GET", "path": "/", "sourceIp": "1.2.3.4"}}, "stage": "$default",
                         "requestId": "r", "routeKey": "GET /"}}, "routeKey": "GET /"}},
    type("Context", (), {{"function_name": "f", "memory_limit_in_mb": 512, "invoked_function_arn": "a",
                          "aws_request_id": "r"}})(),
)
print(json.dumps({{
    "page": [page["statusCode"], b"<title>scones review</title>" in base64.b64decode(page["body"])],
    "torch": sorted(m for m in sys.modules if m == "torch" or m.startswith("torch.")),
    "model_path": str(paths.MODEL_PATH),
    "label": prediction.label,
    "outside": outside,
}}))
"""
    env = {
        "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PATH": "/usr/bin:/bin",
        "IDEMPOTENCY_TABLE": "claims",
        # The review API's settings (its page is served without touching them).
        "AWS_REGION": "us-east-1",
        "RESULTS_TABLE": "results",
        "REVIEWS_TABLE": "reviews",
        "REVIEW_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/review",
        "INTAKE_BUCKET": "intake",
        "USER_POOL_CLIENT_ID": "client",
        "USER_POOL_ID": "us-east-1_pool",
    }
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, check=False, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["page"] == [200, True]
    assert found["torch"] == []
    assert found["outside"] == []
    assert found["model_path"].startswith(str(artifact))
    assert found["label"] in {"bicycle", "motorcycle"}


def test_a_handler_import_the_artifact_cannot_satisfy_fails_the_build(tmp_path: Path) -> None:
    (tmp_path / "handlers").mkdir()
    (tmp_path / "service").mkdir()
    (tmp_path / "service" / "__init__.py").write_text("")
    (tmp_path / "handlers" / "bad.py").write_text("from service import helper\n")
    (tmp_path / "service" / "helper.py").write_text("def f() -> None:\n    import typer\n")
    with pytest.raises(packager.PackagingError, match="typer"):
        packager.check_import_closure(tmp_path)
