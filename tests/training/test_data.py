"""Data staging from a tiny CIFAR-100-format archive (made here, in CIFAR's own pickle format) and a PNG folder."""

from __future__ import annotations

import csv
import hashlib
import http.server
import io
import pickle
import re
import tarfile
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
from moto import mock_aws
from PIL import Image

from training.data import (
    CIFAR_MD5,
    DataStagingError,
    StagingConfig,
    download_archive,
    main,
    stage,
)

BICYCLE, MOTORCYCLE, OTHER = 8, 48, 3
LST_LINE = re.compile(r"^(\d+)\t([01])\t([A-Za-z0-9_.-]+\.png)$")


@dataclass(frozen=True)
class TinyArchive:
    path: Path
    md5: str
    # filename -> (fine label, HxWx3 pixels) for every image of the two classes, per split
    images: dict[str, dict[str, tuple[int, np.ndarray]]]


def _batch(split: str, counts: dict[int, int], rng: np.random.Generator) -> tuple[dict[bytes, Any], dict]:
    data, fine_labels, filenames, expected = [], [], [], {}
    for fine_label, count in counts.items():
        for index in range(count):
            name = {BICYCLE: "bicycle", MOTORCYCLE: "motorcycle", OTHER: "crab"}[fine_label]
            filename = f"{name}_s_{split}{index:04d}.png"
            pixels = rng.integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
            # CIFAR stores each row as 1024 red values, then 1024 green, then 1024 blue.
            data.append(pixels.transpose(2, 0, 1).reshape(-1))
            fine_labels.append(fine_label)
            filenames.append(filename.encode())
            if fine_label != OTHER:
                expected[filename] = (fine_label, pixels)
    order = rng.permutation(len(data))  # CIFAR's classes are interleaved, not grouped
    batch = {
        b"filenames": [filenames[i] for i in order],
        b"batch_label": f"{split} batch".encode(),
        b"fine_labels": [fine_labels[i] for i in order],
        b"coarse_labels": [0 for _ in order],
        b"data": np.stack([data[i] for i in order]),
    }
    return batch, expected


def _add_member(tar: tarfile.TarFile, name: str, payload: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    tar.addfile(info, io.BytesIO(payload))


def _write_archive(path: Path, members: dict[str, bytes]) -> str:
    with tarfile.open(path, "w:gz") as tar:
        for name, payload in members.items():
            _add_member(tar, name, payload)
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


@pytest.fixture(scope="module")
def tiny_archive(tmp_path_factory: pytest.TempPathFactory) -> TinyArchive:
    rng = np.random.default_rng(7)
    train, train_images = _batch("train", {BICYCLE: 10, MOTORCYCLE: 15, OTHER: 5}, rng)
    test, test_images = _batch("test", {BICYCLE: 3, MOTORCYCLE: 2, OTHER: 4}, rng)
    path = tmp_path_factory.mktemp("cifar") / "cifar-100-python.tar.gz"
    md5 = _write_archive(
        path,
        {
            "cifar-100-python/meta": pickle.dumps({b"fine_label_names": [b"bicycle"]}, protocol=2),
            "cifar-100-python/train": pickle.dumps(train, protocol=2),
            "cifar-100-python/test": pickle.dumps(test, protocol=2),
            "cifar-100-python/file.txt~": b"ignored",
        },
    )
    return TinyArchive(path, md5, {"train": train_images, "test": test_images})


def _stage_archive(archive: TinyArchive, out: Path, **overrides: Any) -> Any:
    config = {"out": out, "cifar_archive": archive.path, "archive_md5": archive.md5, "splits": ("train", "test")}
    return stage(StagingConfig(**{**config, **overrides}))


def _labels(out: Path) -> list[dict[str, str]]:
    with (out / "labels.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def _lst(path: Path) -> list[tuple[int, int, str]]:
    lines = path.read_text().splitlines()
    parsed = [LST_LINE.match(line) for line in lines]
    assert all(parsed), f"not index<TAB>label<TAB>file.png: {lines}"
    return [(int(m[1]), int(m[2]), m[3]) for m in parsed if m]


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- CIFAR archive ------------------------------------------------------------------------------------------


def test_archive_is_staged_in_the_channel_layout(tiny_archive: TinyArchive, tmp_path: Path) -> None:
    out = tmp_path / "staged"
    manifest = _stage_archive(tiny_archive, out)

    assert sorted(p.name for p in out.iterdir()) == [
        "labels.csv",
        "manifest.json",
        "test",
        "test_lst",
        "train",
        "train_lst",
        "validation",
        "validation_lst",
    ]
    for split in ("train", "validation", "test"):
        assert [p.name for p in (out / f"{split}_lst").iterdir()] == [f"{split}.lst"]
    # Stratified: 20% of each class's training images (10 bicycles, 15 motorcycles) validate.
    assert manifest.counts == {
        "train": {"bicycle": 8, "motorcycle": 12},
        "validation": {"bicycle": 2, "motorcycle": 3},
        "test": {"bicycle": 3, "motorcycle": 2},
    }
    assert manifest.num_training_samples == 20

    rows = _labels(out)
    assert list(rows[0]) == ["filename", "label", "class_name", "split"]
    assert Counter(row["split"] for row in rows) == {"train": 20, "validation": 5, "test": 5}
    for row in rows:
        split_folder, name = row["filename"].split("/")
        assert split_folder == row["split"]
        source_split = "test" if row["split"] == "test" else "train"
        fine_label, pixels = tiny_archive.images[source_split][name]
        assert (int(row["label"]), row["class_name"]) == {BICYCLE: (0, "bicycle"), MOTORCYCLE: (1, "motorcycle")}[
            fine_label
        ]
        with Image.open(out / row["filename"]) as image:
            assert (image.format, image.mode, image.size) == ("PNG", "RGB", (32, 32))
            np.testing.assert_array_equal(np.asarray(image), pixels)
    assert not any("crab" in row["filename"] for row in rows)
    # The official test images stay "test": none of them leaks into training or validation.
    assert {row["filename"].split("/")[1] for row in rows if row["split"] == "test"} == set(tiny_archive.images["test"])


def test_lst_files_match_labels_and_number_images_uniquely(tiny_archive: TinyArchive, tmp_path: Path) -> None:
    out = tmp_path / "staged"
    _stage_archive(tiny_archive, out)
    labels = {row["filename"]: int(row["label"]) for row in _labels(out)}

    indices: list[int] = []
    for split in ("train", "validation", "test"):
        entries = _lst(out / f"{split}_lst" / f"{split}.lst")
        assert sorted(path for _, _, path in entries) == sorted(p.name for p in (out / split).iterdir())
        for index, label, path in entries:
            assert labels[f"{split}/{path}"] == label
            indices.append(index)
    assert sorted(indices) == list(range(len(labels)))


def test_staging_is_deterministic_and_seeded(tiny_archive: TinyArchive, tmp_path: Path) -> None:
    _stage_archive(tiny_archive, tmp_path / "a")
    _stage_archive(tiny_archive, tmp_path / "b")
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")

    _stage_archive(tiny_archive, tmp_path / "c", seed=1)
    reseeded = _labels(tmp_path / "c")
    validation = {row["filename"] for row in _labels(tmp_path / "a") if row["split"] == "validation"}
    assert {row["filename"] for row in reseeded if row["split"] == "validation"} != validation
    assert Counter((row["split"], row["label"]) for row in reseeded) == Counter(
        (row["split"], row["label"]) for row in _labels(tmp_path / "a")
    )


def test_train_split_only_by_default(tiny_archive: TinyArchive, tmp_path: Path) -> None:
    manifest = _stage_archive(tiny_archive, tmp_path / "staged", splits=("train",), val_fraction=0.4)
    assert set(manifest.counts) == {"train", "validation"}
    assert manifest.counts["validation"] == {"bicycle": 4, "motorcycle": 6}
    assert not (tmp_path / "staged" / "test").exists()


def test_checksum_mismatch_is_refused_before_anything_is_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"

    class Payload:
        def __reduce__(self) -> tuple[Any, tuple[str]]:
            return (Path.touch, (str(marker),))

    archive = tmp_path / "cifar-100-python.tar.gz"
    _write_archive(archive, {"cifar-100-python/train": pickle.dumps(Payload())})

    with pytest.raises(DataStagingError, match="refusing to read it"):
        stage(StagingConfig(out=tmp_path / "out", cifar_archive=archive))  # the official MD5
    assert not marker.exists()
    assert not list((tmp_path / "out").rglob("*.png"))


@pytest.mark.parametrize("kind", ["directory", "symlink", "missing"])
def test_unexpected_archive_members_are_refused(tmp_path: Path, kind: str) -> None:
    archive = tmp_path / "cifar-100-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        _add_member(tar, "../escape.txt", b"never written")
        if kind != "missing":
            member = tarfile.TarInfo("cifar-100-python/train")
            member.type = tarfile.DIRTYPE if kind == "directory" else tarfile.SYMTYPE
            member.linkname = "/etc/passwd" if kind == "symlink" else ""
            tar.addfile(member)
    md5 = hashlib.md5(archive.read_bytes(), usedforsecurity=False).hexdigest()

    with pytest.raises(DataStagingError, match="not a regular file" if kind != "missing" else "lacks"):
        stage(StagingConfig(out=tmp_path / "out", cifar_archive=archive, archive_md5=md5))
    assert not (tmp_path / "escape.txt").exists()


# --- Download -----------------------------------------------------------------------------------------------


@pytest.fixture
def archive_server(tiny_archive: TinyArchive) -> Iterator[tuple[str, list[str]]]:
    """Serves the tiny archive on 127.0.0.1, recording each request's path."""
    requests: list[str] = []
    payload = tiny_archive.path.read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/cifar-100-python.tar.gz", requests
    finally:
        server.shutdown()
        server.server_close()


def test_download_is_verified_and_cached(
    tiny_archive: TinyArchive, archive_server: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, requests = archive_server
    cached = download_archive(url, tmp_path / "cache", tiny_archive.md5)
    assert cached.read_bytes() == tiny_archive.path.read_bytes()
    assert download_archive(url, tmp_path / "cache", tiny_archive.md5) == cached
    assert len(requests) == 1  # the second call found a verified copy


def test_download_with_the_wrong_checksum_is_discarded(archive_server: tuple[str, list[str]], tmp_path: Path) -> None:
    url, _ = archive_server
    with pytest.raises(DataStagingError, match=f"expected {CIFAR_MD5}: discarded"):
        download_archive(url, tmp_path / "cache", CIFAR_MD5)
    assert list((tmp_path / "cache").iterdir()) == []


def test_download_from_a_file_url(tiny_archive: TinyArchive, tmp_path: Path) -> None:
    cached = download_archive(tiny_archive.path.as_uri(), tmp_path / "cache", tiny_archive.md5)
    assert cached.name == "cifar-100-python.tar.gz"


def test_cli_downloads_stages_and_reports(
    tiny_archive: TinyArchive,
    archive_server: tuple[str, list[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, _ = archive_server
    argv = ["--download", "--download-url", url, "--md5", tiny_archive.md5, "--cache-dir", str(tmp_path / "c")]
    code = main([*argv, "--splits", "train,test", "--out", str(tmp_path / "out")])

    assert code == 0
    printed = capsys.readouterr().out
    assert "train: 8 bicycle, 12 motorcycle" in printed
    assert "test_lst\ttest_lst/" in printed
    assert (tmp_path / "out" / "test_lst" / "test.lst").is_file()


def test_cli_refuses_a_bad_checksum_with_a_message(
    tiny_archive: TinyArchive, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--cifar-archive", str(tiny_archive.path), "--out", str(tmp_path / "out")])
    assert code == 1
    assert f"expected {CIFAR_MD5}" in capsys.readouterr().err


# --- Upload -------------------------------------------------------------------------------------------------


def test_upload_copies_the_layout_and_prints_channel_uris(
    tiny_archive: TinyArchive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "staged"
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="scones-ml")
        argv = ["--cifar-archive", str(tiny_archive.path), "--md5", tiny_archive.md5, "--out", str(out)]
        assert main([*argv, "--upload", "s3://scones-ml/runs/1/"]) == 0
        keys = {item["Key"] for item in s3.list_objects_v2(Bucket="scones-ml")["Contents"]}
        uploaded_lst = s3.get_object(Bucket="scones-ml", Key="runs/1/train_lst/train.lst")["Body"].read()

    assert keys == {f"runs/1/{relative}" for relative in _tree(out)}
    assert "runs/1/validation/" + _lst(out / "validation_lst" / "validation.lst")[0][2] in keys
    assert uploaded_lst == (out / "train_lst" / "train.lst").read_bytes()
    printed = capsys.readouterr().out
    for channel in ("train", "validation", "train_lst", "validation_lst"):
        assert f"{channel}\ts3://scones-ml/runs/1/{channel}/\n" in printed


# --- PNG folder ---------------------------------------------------------------------------------------------


def _shared_layout(folder: Path, per_class: dict[str, int]) -> Path:
    """The shared dataset's layout: labels.csv with bare filenames, the images under train/."""
    (folder / "train").mkdir(parents=True)
    lines = ["filename,label,class_name"]
    for label, name in enumerate(("bicycle", "motorcycle")):
        for index in range(per_class[name]):
            filename = f"{name}_s_{index:06d}.png"
            Image.new("RGB", (32, 32), (label * 250, index * 9, 7)).save(folder / "train" / filename)
            lines.append(f"{filename},{label},{name}")
    (folder / "labels.csv").write_text("\n".join(lines) + "\n")
    return folder


def test_png_folder_is_staged_and_loads_with_the_training_loader(tmp_path: Path) -> None:
    from training.dataset import load_labelled_folder

    source = _shared_layout(tmp_path / "shared", {"bicycle": 10, "motorcycle": 5})
    out = tmp_path / "staged"
    manifest = stage(StagingConfig(out=out, png_folder=source))

    assert manifest.counts == {"train": {"bicycle": 8, "motorcycle": 4}, "validation": {"bicycle": 2, "motorcycle": 1}}
    loaded = load_labelled_folder(out)
    assert len(loaded) == 15
    for item in loaded:
        assert item.path.is_file()
        assert item.path.parent.name == item.split
        with Image.open(item.path) as staged, Image.open(source / "train" / item.path.name) as original:
            assert staged.tobytes() == original.tobytes()
        assert item.class_name == ("bicycle", "motorcycle")[item.label]
    assert Counter(item.split for item in loaded) == {"train": 12, "validation": 3}


def test_a_staged_folder_can_be_restaged_without_leaking_test_images(tiny_archive: TinyArchive, tmp_path: Path) -> None:
    _stage_archive(tiny_archive, tmp_path / "first")
    manifest = stage(StagingConfig(out=tmp_path / "again", png_folder=tmp_path / "first", splits=("train", "test")))
    assert manifest.counts["test"] == {"bicycle": 3, "motorcycle": 2}
    assert sum(manifest.counts["train"].values()) + sum(manifest.counts["validation"].values()) == 25


def test_inconsistent_labels_are_refused(tmp_path: Path) -> None:
    source = _shared_layout(tmp_path / "shared", {"bicycle": 2, "motorcycle": 2})
    (source / "labels.csv").write_text("filename,label,class_name\nbicycle_s_000000.png,1,bicycle\n")
    with pytest.raises(DataStagingError, match="label 1 is not 'bicycle'"):
        stage(StagingConfig(out=tmp_path / "out", png_folder=source))


def test_an_existing_staging_is_only_replaced_when_asked(tmp_path: Path) -> None:
    source = _shared_layout(tmp_path / "shared", {"bicycle": 3, "motorcycle": 3})
    out = tmp_path / "staged"
    stage(StagingConfig(out=out, png_folder=source))
    (out / "notes.txt").write_text("mine")

    with pytest.raises(DataStagingError, match="--overwrite"):
        stage(StagingConfig(out=out, png_folder=source, seed=5))
    stage(StagingConfig(out=out, png_folder=source, seed=5, overwrite=True))
    assert (out / "notes.txt").read_text() == "mine"
    assert len(_labels(out)) == 6


@pytest.mark.parametrize(
    "fields",
    [
        {},  # no source
        {"png_folder": Path("a"), "download": True},  # two sources
        {"png_folder": Path("a"), "splits": ("test",)},
        {"png_folder": Path("a"), "val_fraction": 1.0},
        {"png_folder": Path("a"), "upload": "bucket/prefix"},
    ],
)
def test_bad_configurations_are_refused(fields: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        StagingConfig(out=tmp_path, **fields)
