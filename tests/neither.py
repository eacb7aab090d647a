"""Images of neither class that tests make themselves: random noise, and a drawn car (the closest to a photo of a
car a test can render)."""

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def noise(size: tuple[int, int] = (640, 480), seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


def car(seed: int = 0) -> Image.Image:
    """A saloon car side-on, on a road under a sky: body, cabin, windows, two wheels with hubcaps, lights."""
    rng = np.random.default_rng(seed)
    width, height = 640, 400
    sky = np.linspace([150, 190, 235], [225, 235, 245], height // 2)
    pixels = np.zeros((height, width, 3))
    pixels[: height // 2] = sky[:, None, :]
    pixels[height // 2 :] = [95, 95, 100]
    pixels += rng.normal(0, 4, pixels.shape)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 300, width, 306], fill=(230, 230, 230))  # road marking
    body = (170, 20, 30)
    draw.rounded_rectangle([90, 190, 560, 290], radius=30, fill=body)  # lower body
    draw.polygon([(190, 195), (250, 120), (420, 120), (490, 195)], fill=body)  # cabin
    draw.polygon([(205, 190), (258, 130), (330, 130), (330, 190)], fill=(170, 205, 230))  # windows
    draw.polygon([(342, 190), (342, 130), (412, 130), (470, 190)], fill=(170, 205, 230))
    draw.line([(336, 125), (336, 290)], fill=(120, 10, 20), width=4)  # door gap
    draw.rectangle([540, 215, 560, 235], fill=(255, 240, 170))  # head lamp
    draw.rectangle([90, 215, 104, 235], fill=(200, 30, 30))  # tail lamp
    for cx in (190, 460):  # wheels
        draw.ellipse([cx - 48, 242, cx + 48, 338], fill=(25, 25, 25))
        draw.ellipse([cx - 24, 266, cx + 24, 314], fill=(180, 180, 185))
    return image.filter(ImageFilter.GaussianBlur(0.8))
