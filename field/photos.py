"""Cleaning an uploaded photo: only real images, bounded, re-encoded to JPEG without metadata.

Re-encoding from the decoded pixels drops everything but the picture: EXIF (with
GPS), XMP, IPTC, comments and embedded thumbnails. The orientation stored in EXIF
is applied to the pixels first, so the photo still shows upright.
"""

import io
import warnings
from dataclasses import dataclass
from typing import NoReturn

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from server.errors import ValidationFailed

MAX_UPLOAD_BYTES = getattr(
    settings, "FIELD_PHOTO_MAX_BYTES", 8 * 1024 * 1024
)  # settings: FIELD_PHOTO_MAX_BYTES
MAX_PIXELS = 50_000_000  # a 50-megapixel camera; larger is refused before decoding
MAX_SIDE = 2000  # stored photos are at most 2000 px on their longer side
JPEG_QUALITY = 80
FORMATS = {"JPEG", "PNG", "WEBP"}


@dataclass
class CleanPhoto:
    data: bytes
    width: int
    height: int


def _refuse(message: str) -> NoReturn:
    raise ValidationFailed(errors={"photo": [message]})


def _opened(data: bytes) -> Image.Image:
    not_image = _("The file is not a photo (JPEG, PNG or WebP).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()  # a truncated or forged file fails here
            image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        _refuse(not_image)
    except (OSError, SyntaxError, ValueError):
        _refuse(not_image)
    if image.format not in FORMATS:
        _refuse(not_image)
    if image.width * image.height > MAX_PIXELS:
        _refuse(
            _("The photo is too large (at most %(n)d megapixels).") % {"n": MAX_PIXELS // 1_000_000}
        )
    return image


def photo_clean(*, data: bytes) -> CleanPhoto:
    """The photo as a metadata-free JPEG, or ValidationFailed on ``photo``."""
    if len(data) > MAX_UPLOAD_BYTES:
        _refuse(
            _("The photo is too large (at most %(n)d MB).")
            % {"n": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    image = _opened(data)
    try:
        image = ImageOps.exif_transpose(image)
        image = image.convert("RGB")
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        pixels = Image.new("RGB", image.size)  # fresh image: no info, no metadata carried over
        pixels.paste(image)
        out = io.BytesIO()
        pixels.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    except (OSError, SyntaxError, ValueError):
        _refuse(_("The file is not a photo (JPEG, PNG or WebP)."))
    return CleanPhoto(data=out.getvalue(), width=pixels.width, height=pixels.height)
