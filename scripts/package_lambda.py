"""Build the Lambda artifact (the three functions share it) without Docker.

    python scripts/package_lambda.py                     # for the template: python3.12 on arm64 (Amazon Linux 2023)
    python scripts/package_lambda.py --platform manylinux_2_28_x86_64 --python-version 3.11 --out /tmp/artifact

    python scripts/package_lambda.py --update-lock       # re-resolve infra/lambda-requirements.txt

The runtime dependencies are pinned in infra/lambda-requirements.txt (a lock resolved from `[project]
dependencies` of pyproject.toml for the target), so two builds install the same files; they are installed as
binary wheels for the target platform, without resolving again (--no-deps), from a wheelhouse under build/ (a
later build also works offline). Then `handlers/`, the runtime layers of `service/` (RUNTIME_PACKAGES, an
allow-list: operator tools, the CLI, the web page and the local stack never ship) and the model go beside them.

Left out on purpose, each a cold-start and size cost with no use: what the Lambda runtime already provides
(RUNTIME_PROVIDED: boto3 and botocore, which aws-xray-sdk would otherwise pull in), what only onnxruntime's
offline tools import (EXCLUDED), and those tools themselves (PRUNED). The import closure of the handlers is
checked against what the artifact holds (plus RUNTIME_PROVIDED), so a handler that starts importing a CLI-only
package fails the build rather than the first invocation.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PLATFORM = "manylinux_2_34_aarch64"  # Lambda's python3.12 runtime: Amazon Linux 2023, glibc 2.34, arm64
DEFAULT_PYTHON = "3.12"
DEFAULT_WHEELHOUSE = ROOT / "build" / "wheelhouse"
# What the functions run, and nothing else: the layers below `service.ops` (import-linter keeps them from importing
# anything above), plus the handlers.
RUNTIME_PACKAGES = (
    "handlers",
    "service/domain",
    "service/images",
    "service/dal",
    "service/runtime",
    "service/pipeline",
    "service/review",
)
RUNTIME_FILES = ("service/__init__.py",)
MODEL_FILES = ("models/model.onnx", "models/model_card.json")
# The review page's files, which the review API serves (no Python in the folder).
PAGE_FILES = ("service/web/static/index.html", "service/web/static/review.js", "service/web/static/review.css")
LOCK_PATH = ROOT / "infra" / "lambda-requirements.txt"
# Distributions every python3.12 Lambda runtime carries (the AWS SDK and what it needs), by distribution name and
# by the top-level module they install.
RUNTIME_PROVIDED = {
    "boto3": "boto3",
    "botocore": "botocore",
    "s3transfer": "s3transfer",
    "jmespath": "jmespath",
    "python-dateutil": "dateutil",
    "six": "six",
    "urllib3": "urllib3",
}
# Required by onnxruntime's metadata, imported only by its offline tools (model conversion, quantisation,
# symbolic shape inference), never by an InferenceSession.
EXCLUDED = ("protobuf", "flatbuffers", "sympy", "mpmath", "coloredlogs", "humanfriendly")
# Glob patterns of installed files no handler loads: onnxruntime's tools, and its C API library (the Python
# binding links its own copy of the runtime; libonnxruntime.so is for C/C++ programs); numpy's tests, type stubs,
# C headers, static libraries, f2py and the subpackages numpy itself loads only on demand and nothing here uses
# (random, fft, polynomial, ma); Powertools' utilities other than the parser, the data classes and the event
# handlers (the review API's; their package imports every resolver), and the bundled Swagger UI; pydantic's v1
# compatibility copy; Pillow's font rendering (with the libraries only it links), AVIF (not an accepted format),
# Tk, and the extensions of ImageMath and ImageMorph (nothing here uses either; Pillow loads them only for those).
# tests/infra/test_package.py runs the handlers from what is left.
PRUNED = (
    "onnxruntime/transformers", "onnxruntime/quantization", "onnxruntime/tools", "onnxruntime/backend",
    "onnxruntime/capi/libonnxruntime.so.*",
    "numpy/**/tests", "numpy/f2py", "numpy/_core/include", "numpy/_pyinstaller", "numpy/_core/_simd.*.so",
    "numpy/_core/_multiarray_tests.*.so", "numpy/_core/_umath_tests.*.so", "**/*.pyi", "numpy/**/*.pxd",
    "numpy/**/lib/*.a", "numpy/random", "numpy/fft", "numpy/polynomial", "numpy/ma",
    "aws_lambda_powertools/event_handler/openapi/swagger_ui",
    *(f"aws_lambda_powertools/utilities/{name}" for name in (
        "auth_alpha", "batch", "circuit_breaker", "data_masking", "feature_flags", "idempotency",
        "kafka", "metadata", "parameters", "streaming", "validation")),
    "pydantic/v1",
    "PIL/_imagingft.*.so", "pillow.libs/libfreetype-*", "pillow.libs/libharfbuzz-*", "pillow.libs/libpng16-*",
    "pillow.libs/libbrotli*", "PIL/_avif.*.so", "pillow.libs/libavif-*", "PIL/_imagingtk.*.so",
    "PIL/_imagingmath.*.so", "PIL/_imagingmorph.*.so",
)  # fmt: skip
# A fixed timestamp keeps the zip byte-identical for identical contents.
ZIP_EPOCH = (2024, 1, 1, 0, 0, 0)


class PackagingError(RuntimeError):
    """The artifact could not be built or would not run."""


def runtime_dependencies(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    with pyproject.open("rb") as handle:
        return list(tomllib.load(handle)["project"]["dependencies"])


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def this_platform() -> str:
    """This machine's manylinux tag (e.g. manylinux_2_36_x86_64), to build an artifact that runs here."""
    libc, version = platform.libc_ver()
    if libc != "glibc":
        raise PackagingError("manylinux wheels need a glibc machine")
    major, minor = version.split(".")[:2]
    return f"manylinux_{major}_{minor}_{platform.machine()}"


def lambda_runtime(folder: Path) -> Path:
    """RUNTIME_PROVIDED as a function sees it on Lambda: this environment's copies, alone in `folder`, for running
    the artifact here (tests, benchmarks/coldstart.py)."""
    import importlib.util

    folder.mkdir(parents=True, exist_ok=True)
    for module in RUNTIME_PROVIDED.values():
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            raise PackagingError(f"{module} is not installed here")
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (folder / source.name).symlink_to(source)
    return folder


def locked_requirements(lock: Path = LOCK_PATH) -> list[str]:
    """The `name==version` lines of the lock (comments and blank lines dropped)."""
    lines = (line.split("#", 1)[0].strip() for line in lock.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def resolve_lock(platform: str, python_version: str, requirements: list[str]) -> list[str]:
    """pip's resolution of `requirements` for the target, as pins, without what the runtime has or never needs."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        # The versions this environment runs (and the tests test) wherever the target has them.
        tested = Path(scratch) / "tested.txt"
        pinned = {_normalised(re.split(r"[\[=<>!~ ]", r, maxsplit=1)[0]) for r in requirements if "==" in r}
        constraints = [line for line in _tested_versions() if line.split("==")[0] not in pinned]
        tested.write_text("\n".join(constraints) + "\n", encoding="utf-8")
        command = [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--dry-run",
            "--ignore-installed", "--target", str(Path(scratch) / "target"), "--report", str(report),
            "--constraint", str(tested), *_wheel_selection(platform, python_version), *requirements,
        ]  # fmt: skip
        subprocess.run(command, check=True)
        installed = json.loads(report.read_text(encoding="utf-8"))["install"]
    left_out = {_normalised(name) for name in (*RUNTIME_PROVIDED, *EXCLUDED)}
    pins = {
        _normalised(entry["metadata"]["name"]): entry["metadata"]["version"]
        for entry in installed
        if _normalised(entry["metadata"]["name"]) not in left_out
    }
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


def _tested_versions() -> list[str]:
    from importlib.metadata import distributions

    return sorted({f"{_normalised(d.metadata['Name'])}=={d.version}" for d in distributions() if d.metadata["Name"]})


def write_lock(pins: list[str], platform: str, python_version: str, lock: Path = LOCK_PATH) -> None:
    header = [
        "# The Lambda artifact's dependencies, pinned: `python scripts/package_lambda.py --update-lock` writes this",
        f"# from [project] dependencies of pyproject.toml, resolved for {platform}, Python {python_version}.",
        f"# Left out: {', '.join(RUNTIME_PROVIDED)} (the Lambda runtime has them);",
        f"# {', '.join(EXCLUDED)} (only onnxruntime's offline tools import them).",
    ]
    lock.write_text("\n".join([*header, *pins]) + "\n", encoding="utf-8")


def compatible_platforms(platform: str) -> list[str]:
    """`manylinux_2_34_aarch64` -> that tag and every older manylinux tag for the architecture.

    pip only widens the legacy `manylinux2014` spelling itself; wheels tagged e.g. `manylinux_2_28` (onnxruntime's)
    would otherwise be refused for a newer target.
    """
    match = re.fullmatch(r"manylinux_2_(\d+)_(\w+)", platform)
    if not match:
        return [platform]
    newest, arch = int(match.group(1)), match.group(2)
    tags = [f"manylinux_2_{minor}_{arch}" for minor in range(newest, 16, -1)]
    return [*tags, f"manylinux2014_{arch}"]


def _wheel_selection(platform: str, python_version: str) -> list[str]:
    """pip options that pick binary wheels for the target interpreter and platform, not this machine's."""
    options = ["--implementation", "cp", "--python-version", python_version, "--only-binary=:all:"]
    for tag in compatible_platforms(platform):
        options += ["--platform", tag]
    return options


def install_dependencies(
    target: Path, platform: str, python_version: str, requirements: list[str], wheelhouse: Path
) -> None:
    """Fetch the wheels into a wheelhouse (kept between builds), then install from it alone.

    Offline, the download fails and the build goes on with the wheels an earlier build fetched.
    """
    house = wheelhouse / f"{platform}-py{python_version}"
    house.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip"]
    quiet = ["--quiet", "--disable-pip-version-check"]
    selection = _wheel_selection(platform, python_version)
    download = subprocess.run(
        [*pip, "download", *quiet, "--no-deps", "--dest", str(house), *selection, *requirements], check=False
    )
    if download.returncode != 0:
        print(f"package_lambda: download failed (offline?); using the wheels in {house}", file=sys.stderr)
    install = [
        *pip,
        "install",
        *quiet,
        "--no-index",
        "--find-links",
        str(house),
        # The target directory is its own environment: the venv's packages are no concern of it.
        "--no-warn-conflicts",
        # Byte-code comes afterwards, from the target's own Python version (compile_bytecode).
        "--no-compile",
        "--target",
        str(target),
        # The lock is the whole resolution already.
        "--no-deps",
        *selection,
    ]
    subprocess.run([*install, *requirements], check=True)
    # Console scripts are of no use inside a function.
    shutil.rmtree(target / "bin", ignore_errors=True)
    prune(target)


def prune(target: Path) -> None:
    for pattern in PRUNED:
        for path in sorted(target.glob(pattern), reverse=True):
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()


def copy_sources(target: Path) -> None:
    for package in RUNTIME_PACKAGES:
        shutil.copytree(ROOT / package, target / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in (*RUNTIME_FILES, *MODEL_FILES, *PAGE_FILES):
        source = ROOT / name
        if not source.is_file():
            raise PackagingError(f"{name} is missing: train and export the model first.")
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name)


def _imports(path: Path) -> Iterator[str]:
    """Absolute module names a source file imports (relative imports are not used in this code base)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            # `from service import steps` imports the module service.steps.
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _module_file(target: Path, module: str) -> Path | None:
    base = target.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def check_import_closure(target: Path) -> None:
    """Every module the handlers reach must be stdlib, our own code in the artifact, or an installed package."""
    own = {"handlers", "service"}
    pending = [p for p in (target / "handlers").glob("*.py")]
    seen: set[Path] = set()
    missing: dict[str, set[str]] = {}
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        for module in _imports(path):
            top = module.split(".")[0]
            if top in own:
                found = _module_file(target, module)
                if found is not None:
                    pending.append(found)
                elif _module_file(target, module.rpartition(".")[0]) is None:
                    # Neither a module nor a name inside a package that is there.
                    missing.setdefault(module, set()).add(path.relative_to(target).as_posix())
            elif (
                top not in sys.stdlib_module_names
                and top not in RUNTIME_PROVIDED.values()
                and not _installed(target, top)
            ):
                missing.setdefault(module, set()).add(path.relative_to(target).as_posix())
    if missing:
        lines = [f"  {module} (imported by {', '.join(sorted(by))})" for module, by in sorted(missing.items())]
        raise PackagingError("The handlers import modules the artifact does not hold:\n" + "\n".join(lines))


def _installed(target: Path, top: str) -> bool:
    return (target / top).is_dir() or any(target.glob(f"{top}.*.so")) or (target / f"{top}.py").is_file()


def directory_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def write_zip(source: Path, destination: Path) -> int:
    destination.unlink(missing_ok=True)
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o755 if path.stat().st_mode & 0o111 else 0o644) << 16
            archive.writestr(info, path.read_bytes(), compresslevel=6)
    return destination.stat().st_size


def target_interpreter(python_version: str) -> str | None:
    """An interpreter of the target's version on this machine (this one, or `pythonX.Y` on PATH), if any."""
    if python_version == f"{sys.version_info.major}.{sys.version_info.minor}":
        return sys.executable
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = [shutil.which(f"python{python_version}"), *map(str, sorted(pyenv.glob(f"{python_version}.*/bin/python3")))]
    for candidate in filter(None, found):
        probe = [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]
        answer = subprocess.run(probe, capture_output=True, text=True, check=False)
        if answer.returncode == 0 and answer.stdout.strip() == python_version:
            return candidate
    return None


def compile_bytecode(target: Path, python_version: str) -> bool:
    """Byte-code for every module, by the target's Python version; False when no such interpreter is here.

    /var/task is read-only: without byte-code in the artifact, every cold start compiles every module it imports
    from source again. The hashes are not checked (unchecked-hash): the files never change after the build, and
    the zip's fixed timestamps would make mtime-based caches look stale.
    """
    interpreter = target_interpreter(python_version)
    if interpreter is None:
        return False
    command = [interpreter, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(target)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return True


def drop_dependency_sources(target: Path, python_version: str) -> int:
    """Replaces each dependency module's source by its byte-code (`x.py` -> `x.pyc` beside it, which Python
    imports as it imports the source); returns the bytes saved. Our own code keeps its sources.

    A function runs only the byte-code, so the dependencies' sources are ~6 MiB of the artifact that nothing reads;
    the cost is that a traceback through a dependency shows its file and line but not the line's text.
    """
    tag = f"cpython-{python_version.replace('.', '')}"
    own = tuple(target / name for name in ("handlers", "service"))

    def dependency(path: Path) -> bool:
        return not any(path.is_relative_to(folder) for folder in own)

    saved = 0
    for source in filter(dependency, sorted(target.rglob("*.py"))):
        compiled = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
        if compiled.is_file():
            saved += source.stat().st_size
            compiled.replace(source.with_suffix(".pyc"))
            source.unlink()
    for cache in filter(dependency, list(target.rglob("__pycache__"))):
        if not any(cache.iterdir()):
            cache.rmdir()
    return saved


def build(
    out: Path,
    platform: str,
    python_version: str,
    make_zip: bool = True,
    wheelhouse: Path = DEFAULT_WHEELHOUSE,
    keep_sources: bool = False,
) -> tuple[int, int | None]:
    """Builds the artifact directory `out` (and `out`.zip); returns (unzipped bytes, zipped bytes)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    install_dependencies(out, platform, python_version, locked_requirements(), wheelhouse)
    copy_sources(out)
    check_import_closure(out)
    if not compile_bytecode(out, python_version):
        print(f"package_lambda: no python{python_version} here: the artifact ships sources only", file=sys.stderr)
    elif not keep_sources:
        drop_dependency_sources(out, python_version)
    unzipped = directory_size(out)
    zipped = write_zip(out, out.with_suffix(".zip")) if make_zip else None
    return unzipped, zipped


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--platform", default=DEFAULT_PLATFORM, help=f"wheel platform tag (default {DEFAULT_PLATFORM})")
    parser.add_argument("--python-version", default=DEFAULT_PYTHON, help=f"target Python (default {DEFAULT_PYTHON})")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "lambda", help="artifact directory")
    parser.add_argument("--no-zip", action="store_true", help="skip writing <out>.zip")
    parser.add_argument(
        "--update-lock", action="store_true", help=f"resolve the dependencies again into {LOCK_PATH.name} and stop"
    )
    parser.add_argument(
        "--wheelhouse", type=Path, default=DEFAULT_WHEELHOUSE, help="where fetched wheels are kept for offline builds"
    )
    parser.add_argument(
        "--keep-sources", action="store_true", help="keep the dependencies' sources beside their byte-code"
    )
    args = parser.parse_args()
    if args.update_lock:
        pins = resolve_lock(args.platform, args.python_version, runtime_dependencies())
        write_lock(pins, args.platform, args.python_version)
        print(f"{LOCK_PATH}: {len(pins)} pins")
        return
    try:
        unzipped, zipped = build(
            args.out.resolve(),
            args.platform,
            args.python_version,
            make_zip=not args.no_zip,
            wheelhouse=args.wheelhouse.resolve(),
            keep_sources=args.keep_sources,
        )
    except (PackagingError, subprocess.CalledProcessError) as error:
        sys.exit(f"package_lambda: {error}")
    print(f"artifact: {args.out}")
    print(f"unzipped: {unzipped:,} bytes ({_mib(unzipped)}; Lambda's limit is 250 MiB)")
    if zipped is not None:
        print(f"zipped:   {zipped:,} bytes ({_mib(zipped)}) -> {args.out.with_suffix('.zip')}")


if __name__ == "__main__":
    main()
