"""A resident's optional photo: checked by decoding it, stored re-encoded under a random name."""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import Invalid
from ..i18n import N_

MAX_PHOTO_BYTES = 5 * 1024 * 1024
FORMATS = {"JPEG": "jpg", "PNG": "png"}
# A small file can still claim a huge canvas; refuse before decoding it.
MAX_PIXELS = 40_000_000

TOO_LARGE = N_("照片不能超过 5 MB")
NOT_AN_IMAGE = N_("照片必须是 JPEG 或 PNG 图片")


@dataclass
class Photo:
    image: Image.Image
    extension: str


def check_photo(data: bytes, max_bytes: int = MAX_PHOTO_BYTES) -> Photo:
    """The decoded photo, or ``Invalid``. The content decides, never the file name or the declared type."""
    if len(data) > max_bytes:
        raise Invalid(TOO_LARGE, fields={"photo": [(N_("超过 %(n)s 字节"), {"n": max_bytes})]})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in FORMATS or probe.width * probe.height > MAX_PIXELS:
                raise ValueError(probe.format)
            probe.verify()  # structure and checksums; the probe is unusable afterwards
            image = Image.open(io.BytesIO(data))
            image.load()  # every pixel really decodes (a truncated file fails here)
    except (
        UnidentifiedImageError,
        ValueError,
        OSError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise Invalid(NOT_AN_IMAGE, fields={"photo": [N_("不是 JPEG 或 PNG 图片")]}) from None
    return Photo(image, FORMATS[image.format or ""])  # a format of FORMATS: checked on the probe


def store_photo(photo: Photo, folder: Path) -> str:
    """Write the photo under a fresh random name and return that name.

    It is re-encoded from its pixels, so what lands on disk carries no EXIF
    (phones put the home's GPS position there) and nothing that rode along
    inside the original file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    image = ImageOps.exif_transpose(photo.image)
    if photo.extension == "jpg" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    while True:
        name = f"{secrets.token_hex(16)}.{photo.extension}"
        try:
            handle = open(folder / name, "xb")
        except FileExistsError:  # 128 random bits: only in theory
            continue
        with handle:
            if photo.extension == "jpg":
                image.save(handle, "JPEG", quality=88)
            else:
                image.save(handle, "PNG")
        return name


def photo_file(folder: Path, name: str | None) -> Path | None:
    """The stored file for a need's photo name, never anything outside the folder."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = folder / name
    return path if path.is_file() else None
