import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SERVING_MODULES = (
    "service.domain.preprocessing",
    "service.domain.model_card",
    "service.pipeline.backends",
    "service.pipeline.backends.onnx",
    "service.cli.predict",
    "service.pipeline.steps",
    "handlers.serialize",
    "handlers.classify",
    "handlers.filter",
)


def test_serving_modules_never_import_torch() -> None:
    present = [name for name in SERVING_MODULES if _exists(name)]
    assert "service.pipeline.backends.onnx" in present and "service.cli.predict" in present
    code = (
        "import importlib, sys\n"
        f"for name in {present!r}:\n"
        "    importlib.import_module(name)\n"
        "from service.pipeline.backends import get_classifier\n"
        "get_classifier().predict([])\n"
        "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def _exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False
