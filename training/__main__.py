"""One entry point for training: `python -m training VERB [options]`.

    python -m training stage     ...   # stage CIFAR-100's two classes (training.data)
    python -m training train     ...   # train, export ONNX, write the card (training.train)
    python -m training evaluate  ...   # score a model through the serving path; --compare OLD NEW (training.evaluate)
    python -m training export    ...   # export reviewed results as training images (training.export)
    python -m training recertify ...   # re-derive a card's thresholds from its held-out predictions
    python -m training sagemaker ...   # launch the same training as a SageMaker job (training.sagemaker_job)

`python -m training VERB --help` shows each verb's options. Each verb is its module's own `main`; the modules stay
runnable on their own (`python -m training.train ...`).
"""

from __future__ import annotations

import importlib
import sys

VERBS: dict[str, tuple[str, str]] = {
    "stage": ("training.data", "stage CIFAR-100's bicycle and motorcycle images"),
    "train": ("training.train", "train, export ONNX and write the model card"),
    "evaluate": ("training.evaluate", "score a model through the serving path (--compare OLD NEW: side by side)"),
    "export": ("training.export", "export reviewed results as training images"),
    "recertify": ("training.recertify", "re-derive a card's thresholds from its held-out predictions"),
    "sagemaker": ("training.sagemaker_job", "launch the training as a SageMaker job"),
}


def usage() -> str:
    width = max(map(len, VERBS))
    lines = [f"  {verb:<{width}}  {about}" for verb, (_, about) in VERBS.items()]
    return "usage: python -m training VERB [options]\n\nverbs:\n" + "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(usage())
        return 0 if args else 2
    verb, rest = args[0], args[1:]
    if verb not in VERBS:
        print(f"unknown verb {verb!r}\n\n{usage()}", file=sys.stderr)
        return 2
    code = importlib.import_module(VERBS[verb][0]).main(rest)
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
