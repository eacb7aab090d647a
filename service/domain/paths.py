"""Where the files that ship with the code live, both in a checkout and in the Lambda artifact."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = ROOT / "models"
MODEL_PATH = MODELS_DIR / "model.onnx"
MODEL_CARD_PATH = MODELS_DIR / "model_card.json"
INFRA_DIR = ROOT / "infra"
TEMPLATE_PATH = INFRA_DIR / "template.yaml"
STATE_MACHINE_PATH = INFRA_DIR / "statemachine" / "pipeline.asl.json"
SAMPLES_DIR = ROOT / "samples"
REVIEW_PAGE_DIR = ROOT / "service" / "web" / "static"
