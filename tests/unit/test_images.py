"""Image intake: every corpus item gets its code or a correct RGB image; S3 reads honour the byte cap."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import numpy as np
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from PIL import Image, ImageFile

from service.dal.objects import read_object_capped
from service.domain.errors import (
    CorruptImage,
    ImageTooManyPixels,
    NotAnImage,
    ObjectNotFound,
    ObjectTooLarge,
    SconesError,
)
from service.domain.paths import SAMPLES_DIR
from service.domain.preprocessing import INPUT_SIZE, fit_to_input
from service.images.decode import MODEL_DECODE_SIDE, DecodedImage, decode_for_model, decode_image, load_image
from service.images.payload import MAX_STATE_IMAGE_B64, decode_state_image, encode_state_image
from testkit.corpus import (
    BLUE,
    DEFAULT_MAX_PIXELS,
    GREEN,
    RED,
    CorpusItem,
    bad_inputs,
    over_cap,
    png_claiming,
    unusual_valid,
)

BUCKET = "intake-test"
MiB = 1024 * 1024


def _by_name(name: str) -> CorpusItem:
    return next(item for item in (*bad_inputs(), *unusual_valid()) if item.name == name)


def _decode(name: str) -> DecodedImage:
    return decode_image(_by_name(name).data, DEFAULT_MAX_PIXELS)


def _pixel(image: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    return tuple(image.getpixel((x, y)))  # type: ignore[arg-type,return-value]


def _close(actual: tuple[int, int, int], expected: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


# ------------------------------------------------------------------------------------------------ the corpus


@pytest.mark.parametrize("item", bad_inputs(), ids=lambda item: item.name)
def test_bad_input_gets_its_code_and_a_sentence(item: CorpusItem) -> None:
    with pytest.raises(SconesError) as caught:
        decode_image(item.data, DEFAULT_MAX_PIXELS)
    assert caught.value.code == item.expected
    sentence = str(caught.value)
    assert sentence[0].isupper() and sentence.endswith("."), sentence

    with pytest.raises(SconesError) as again:
        load_image(item.data, DEFAULT_MAX_PIXELS)
    assert again.value.code == item.expected


@pytest.mark.parametrize("item", unusual_valid(), ids=lambda item: item.name)
def test_unusual_valid_image_decodes_to_rgb(item: CorpusItem) -> None:
    decoded = decode_image(item.data, DEFAULT_MAX_PIXELS)
    assert decoded.image.mode == "RGB"
    assert decoded.format == item.format
    assert (decoded.width, decoded.height) == decoded.image.size == item.size

    image = load_image(item.data, DEFAULT_MAX_PIXELS)
    assert image.mode == "RGB" and image.size == item.size


@pytest.mark.parametrize("name", ["halves.webp", "halves.bmp", "halves.tif", "upload", "palette.gif"])
def test_colours_and_sides_are_kept(name: str) -> None:
    image = _decode(name).image
    assert _close(_pixel(image, 0, 0), RED)
    assert _close(_pixel(image, image.width - 1, image.height - 1), BLUE)


def test_exif_orientation_6_is_applied() -> None:
    decoded = _decode("rotated.jpg")
    # Stored 24x16 with red on the left; displayed rotated clockwise: 16x24 with red on top.
    assert decoded.orientation == 6
    assert decoded.image.size == (16, 24)
    assert _close(_pixel(decoded.image, 8, 2), RED)
    assert _close(_pixel(decoded.image, 8, 21), BLUE)


def _halves_jpeg(width: int, height: int, orientation: int = 1) -> bytes:
    """Red left half, blue right half, as stored; with an EXIF orientation if given."""
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(RED, (0, 0, width // 2, height))
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = orientation
    image.save(buffer, format="JPEG", quality=90, exif=exif.tobytes())
    return buffer.getvalue()


def test_a_large_jpeg_is_decoded_at_reduced_scale_keeping_its_size_and_orientation() -> None:
    decoded = decode_for_model(_halves_jpeg(4000, 3000, orientation=6), DEFAULT_MAX_PIXELS)
    # Stored 4000x3000, displayed rotated clockwise: reported as the original's 3000x4000.
    assert (decoded.width, decoded.height, decoded.orientation) == (3000, 4000, 6)
    assert decoded.scale == 4
    assert decoded.image.size == (750, 1000)
    assert min(decoded.image.size) >= MODEL_DECODE_SIDE
    assert _close(_pixel(decoded.image, 375, 20), RED)  # the left half is now on top
    assert _close(_pixel(decoded.image, 375, 980), BLUE)


def test_small_jpegs_and_other_formats_are_decoded_in_full() -> None:
    small = decode_for_model(_halves_jpeg(800, 600), DEFAULT_MAX_PIXELS)
    assert (small.scale, small.image.size, small.width, small.height) == (1, (800, 600), 800, 600)
    buffer = io.BytesIO()
    Image.new("RGB", (2000, 1500), RED).save(buffer, format="PNG")
    png = decode_for_model(buffer.getvalue(), DEFAULT_MAX_PIXELS)
    assert (png.scale, png.image.size) == (1, (2000, 1500))


def test_the_pixel_cap_applies_to_the_original_size_of_a_reduced_jpeg() -> None:
    with pytest.raises(ImageTooManyPixels, match="4000x3000"):
        decode_for_model(_halves_jpeg(4000, 3000), max_pixels=4000 * 3000 - 1)


def test_alpha_is_composited_on_white_not_black() -> None:
    image = _decode("transparent.png").image
    assert _pixel(image, 2, 8) == (255, 255, 255)
    assert _pixel(image, 20, 8) == BLUE


def test_palette_transparency_is_composited_on_white() -> None:
    image = _decode("palette-transparent.png").image
    assert _pixel(image, 2, 8) == (255, 255, 255)
    assert _close(_pixel(image, 20, 8), GREEN, tolerance=30)


def test_cmyk_red_stays_red() -> None:
    red, green, blue = _pixel(_decode("cmyk.jpg").image, 12, 8)
    assert red > 180 and green < 80 and blue < 80


@pytest.mark.parametrize("name", ["gray16.png", "gray16.tif", "float.tif"])
def test_high_bit_depth_gray_keeps_relative_brightness(name: str) -> None:
    image = _decode(name).image
    dark, bright = _pixel(image, 2, 8), _pixel(image, 20, 8)
    # A quarter and three quarters of full scale, not both clipped to white.
    assert _close(dark, (64, 64, 64), tolerance=2)
    assert _close(bright, (191, 191, 191), tolerance=2)


def test_grayscale_becomes_equal_channels_in_order() -> None:
    pixels = np.asarray(_decode("gray.png").image)
    assert (pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all()
    assert (np.diff(pixels[0, :, 0].astype(int)) >= 0).all() and pixels[0, -1, 0] > pixels[0, 0, 0]


def test_bilevel_image_is_black_and_white() -> None:
    image = _decode("bilevel.bmp").image
    assert _pixel(image, 0, 0) == (0, 0, 0)
    assert _pixel(image, 23, 15) == (255, 255, 255)


def test_animated_gif_uses_its_first_frame() -> None:
    pixels = np.asarray(_decode("animated.gif").image)
    assert _close(tuple(pixels.reshape(-1, 3).mean(axis=0).round().astype(int)), RED)


def test_photos_are_the_sizes_they_claim() -> None:
    one_mb = len(_by_name("photo-1mb.jpg").data)
    large = len(_by_name("photo-large.jpg").data)
    assert 0.85 * MiB < one_mb < 1.25 * MiB
    assert 2 * MiB < large < 10 * MiB


# ---------------------------------------------------------------------------------------------- the pixel cap


def test_pixel_cap_is_checked_from_the_header_before_any_pixel_is_decoded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loads: list[object] = []
    original = ImageFile.ImageFile.load

    def spy(self: ImageFile.ImageFile) -> Any:
        loads.append(self)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    # 81 million pixels: above the service's cap, below Pillow's own limit, so only the header check stops it.
    with pytest.raises(ImageTooManyPixels, match="9000x9000"):
        decode_image(png_claiming(9_000, 9_000), DEFAULT_MAX_PIXELS)
    assert loads == []
    # The spy does see a normal decode.
    decode_image(_by_name("gray.png").data, DEFAULT_MAX_PIXELS)
    assert loads


def test_pixel_cap_boundary() -> None:
    data = (SAMPLES_DIR / "bicycle-1.png").read_bytes()
    assert decode_image(data, 256 * 192).image.size == (256, 192)
    with pytest.raises(ImageTooManyPixels, match=r"256x192 pixels \(49,152\); the limit is 49,151 pixels"):
        decode_image(data, 256 * 192 - 1)


def test_pillow_bomb_warning_and_error_mean_too_many_pixels_without_changing_pillow() -> None:
    before = Image.MAX_IMAGE_PIXELS
    assert before is not None
    # Between Pillow's warning and error thresholds, with a service cap above both.
    side = int((1.5 * before) ** 0.5)
    with pytest.warns(Image.DecompressionBombWarning), pytest.raises(ImageTooManyPixels):
        decode_image(png_claiming(side, side), 10 * before)
    with pytest.raises(ImageTooManyPixels, match="3,600,000,000 pixels"):
        decode_image(png_claiming(60_000, 60_000), 10 * before)
    assert before == Image.MAX_IMAGE_PIXELS


def test_concurrent_decodes_with_different_caps_do_not_interfere() -> None:
    data = (SAMPLES_DIR / "motorcycle-1.png").read_bytes()

    def attempt(cap: int) -> str:
        try:
            decode_image(data, cap)
        except ImageTooManyPixels:
            return "refused"
        return "ok"

    caps = [40_000, 60_000] * 40
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, caps))
    assert outcomes == ["refused" if cap < 256 * 192 else "ok" for cap in caps]


def test_samples_decode_as_documented() -> None:
    for path in sorted(SAMPLES_DIR.glob("*.png")):
        if path.name != "notes.png":
            assert decode_image(path.read_bytes(), DEFAULT_MAX_PIXELS).image.size == (256, 192), path
    with pytest.raises(CorruptImage):
        decode_image((SAMPLES_DIR / "broken.jpg").read_bytes(), DEFAULT_MAX_PIXELS)
    with pytest.raises(NotAnImage):
        decode_image((SAMPLES_DIR / "notes.png").read_bytes(), DEFAULT_MAX_PIXELS)


# ------------------------------------------------------------------------------------------ the state payload


def test_state_image_round_trip_is_exact_for_an_upscaled_thumbnail() -> None:
    image = fit_to_input(Image.open(SAMPLES_DIR / "bicycle-2.png").convert("RGB"))
    encoded = encode_state_image(image)
    assert len(encoded) <= MAX_STATE_IMAGE_B64
    restored = decode_state_image(encoded)
    assert restored.mode == "RGB" and restored.size == (INPUT_SIZE, INPUT_SIZE)
    assert np.array_equal(np.asarray(restored), np.asarray(image))  # lossless WebP


def test_an_image_too_large_for_the_fastest_lossless_webp_still_travels_lossless() -> None:
    image = fit_to_input(Image.open(SAMPLES_DIR / "bicycle-3.png").convert("RGB"))
    fastest = io.BytesIO()
    image.save(fastest, format="WEBP", lossless=True, method=0)
    assert len(base64.b64encode(fastest.getvalue())) > MAX_STATE_IMAGE_B64  # the case under test
    encoded = encode_state_image(image)
    assert len(encoded) <= MAX_STATE_IMAGE_B64
    assert np.array_equal(np.asarray(decode_state_image(encoded)), np.asarray(image))  # WebP at more effort


def test_a_worst_case_noise_image_still_fits_the_state() -> None:
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 256, (INPUT_SIZE, INPUT_SIZE, 3), dtype=np.uint8))
    encoded = encode_state_image(noise)
    assert len(encoded) <= MAX_STATE_IMAGE_B64 < 32 * 1024
    restored = decode_state_image(encoded)  # lossy JPEG: close, not equal
    difference = np.abs(np.asarray(restored, dtype=float) - np.asarray(noise, dtype=float)).mean()
    assert restored.size == noise.size and difference < 60  # two unrelated noise images differ by 85


def test_state_image_refuses_what_does_not_belong_in_the_state() -> None:
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 256, (1100, 1100, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match="resize"):
        encode_state_image(noise)
    with pytest.raises(ValueError, match="base64"):
        decode_state_image("not base64!")
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, format="PNG")
    with pytest.raises(ValueError, match="expected WebP or JPEG"):
        decode_state_image(base64.b64encode(png.getvalue()).decode())


# -------------------------------------------------------------------------------------------- reading from S3


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield client


class _WatchedBody:
    """A response body that records reads, or refuses them."""

    def __init__(self, body: Any, refuse: bool) -> None:
        self._body = body
        self._refuse = refuse
        self.bytes_read = 0
        self.closed = False

    def read(self, amt: int | None = None) -> bytes:
        if self._refuse:
            raise AssertionError("the body was read")
        chunk: bytes = self._body.read(amt)
        self.bytes_read += len(chunk)
        return chunk

    def close(self) -> None:
        self.closed = True
        self._body.close()


class _WatchingClient:
    """Passes GetObject through, wrapping the body and optionally lying about the length."""

    def __init__(self, client: Any, refuse_reads: bool = False, claimed_length: int | None = None) -> None:
        self._client = client
        self._refuse = refuse_reads
        self._claimed_length = claimed_length
        self.body: _WatchedBody | None = None

    def get_object(self, **request: Any) -> dict[str, Any]:
        response = dict(self._client.get_object(**request))
        self.body = _WatchedBody(response["Body"], self._refuse)
        response["Body"] = self.body
        if self._claimed_length is not None:
            response["ContentLength"] = self._claimed_length
        return response


def test_read_returns_bytes_and_metadata(s3: Any) -> None:
    data = _by_name("upload").data
    put = s3.put_object(Bucket=BUCKET, Key="in/photo.jpg", Body=data, ContentType="image/jpeg")
    body, meta = read_object_capped(s3, BUCKET, "in/photo.jpg", max_bytes=len(data))
    assert body == data
    assert meta.bucket == BUCKET and meta.key == "in/photo.jpg"
    assert meta.etag == hashlib.md5(data).hexdigest()  # no quotes
    assert meta.version_id == put["VersionId"]
    assert meta.size == len(data)
    assert meta.content_type == "image/jpeg"
    assert meta.last_modified is not None


def test_over_cap_is_refused_before_the_body_is_read(s3: Any) -> None:
    item = over_cap(2 * MiB + 123)
    s3.put_object(Bucket=BUCKET, Key=item.name, Body=item.data)
    watching = _WatchingClient(s3, refuse_reads=True)
    with pytest.raises(ObjectTooLarge) as caught:
        read_object_capped(watching, BUCKET, item.name, max_bytes=MiB)
    assert item.expected == ObjectTooLarge.__name__
    assert str(caught.value) == "The object is 2.0 MB (2,097,275 bytes); the limit is 1.0 MB."
    assert watching.body is not None and watching.body.closed
    # The same bytes are a valid image: only the byte cap refused them.
    assert decode_image(item.data, DEFAULT_MAX_PIXELS).format == "PNG"


def test_a_body_longer_than_its_header_is_cut_at_the_cap(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="liar.bin", Body=b"x" * 5000)
    watching = _WatchingClient(s3, claimed_length=10)
    with pytest.raises(ObjectTooLarge):
        read_object_capped(watching, BUCKET, "liar.bin", max_bytes=100)
    assert watching.body is not None
    assert watching.body.bytes_read == 101 and watching.body.closed


def test_exactly_at_the_cap_is_read(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="exact.bin", Body=b"y" * 1000)
    body, meta = read_object_capped(s3, BUCKET, "exact.bin", max_bytes=1000)
    assert body == b"y" * 1000 and meta.size == 1000


def test_missing_key_and_missing_version_are_not_found(s3: Any) -> None:
    with pytest.raises(ObjectNotFound, match=r"s3://intake-test/gone\.png"):
        read_object_capped(s3, BUCKET, "gone.png", max_bytes=MiB)
    s3.put_object(Bucket=BUCKET, Key="here.png", Body=b"data")
    with pytest.raises(ObjectNotFound, match="version"):
        read_object_capped(s3, BUCKET, "here.png", max_bytes=MiB, version_id="no-such-version")


def test_deleted_object_is_not_found(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="brief.png", Body=b"data")
    s3.delete_object(Bucket=BUCKET, Key="brief.png")
    with pytest.raises(ObjectNotFound):
        read_object_capped(s3, BUCKET, "brief.png", max_bytes=MiB)


def test_other_s3_errors_are_not_disguised(s3: Any) -> None:
    with pytest.raises(ClientError):
        read_object_capped(s3, "no-such-bucket-here", "a.png", max_bytes=MiB)


def test_an_older_version_is_read_by_its_id(s3: Any) -> None:
    first = s3.put_object(Bucket=BUCKET, Key="same.png", Body=b"first")
    s3.put_object(Bucket=BUCKET, Key="same.png", Body=b"second, newer")
    body, meta = read_object_capped(s3, BUCKET, "same.png", max_bytes=MiB, version_id=first["VersionId"])
    assert body == b"first"
    assert meta.version_id == first["VersionId"]
    assert meta.etag == hashlib.md5(b"first").hexdigest()


@pytest.mark.parametrize(
    "key",
    ["a dir/photo 1.png", "plus+sign+.png", "100%25 sure%20.png", "vélo/日本語 ✓.png", "?&=#;,:@$ odd.png"],
)
def test_keys_are_read_exactly_as_uploaded(s3: Any, key: str) -> None:
    data = (SAMPLES_DIR / "motorcycle-2.png").read_bytes()
    s3.put_object(Bucket=BUCKET, Key=key, Body=data)
    # The key as a URL-decoding mistake would turn it (spaces to "+", "%20" to " ") must not be read instead.
    for lookalike in {key.replace(" ", "+"), key.replace("%20", " ")} - {key}:
        s3.put_object(Bucket=BUCKET, Key=lookalike, Body=b"other")
    body, meta = read_object_capped(s3, BUCKET, key, max_bytes=MiB)
    assert meta.key == key
    assert body == data


def test_read_then_decode_a_one_megabyte_photo(s3: Any) -> None:
    item = _by_name("photo-1mb.jpg")
    s3.put_object(Bucket=BUCKET, Key="photos/big one.jpg", Body=item.data)
    body, meta = read_object_capped(s3, BUCKET, "photos/big one.jpg", max_bytes=10 * MiB)
    decoded = decode_image(body, DEFAULT_MAX_PIXELS)
    assert meta.size == len(item.data) and (decoded.width, decoded.height) == (1600, 1200)
    thumbnail = fit_to_input(decoded.image)
    assert len(encode_state_image(thumbnail)) <= MAX_STATE_IMAGE_B64
