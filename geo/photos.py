"""Photos: untrusted uploads in, clean JPEGs out.

A photo from a safety walk is personal data: the camera writes the GPS position, the make,
model and serial number and the time into it, and a photo can show faces.  Uploads are also
untrusted: a file called ``photo.jpg`` may be a PDF, an SVG with a script, a ZIP, or a
"decompression bomb" whose few kilobytes claim billions of pixels.

:func:`clean_photo` is the only way a photo reaches :meth:`geo.store.Store.add_photo`:

1. refuse empty input and input over :data:`MAX_UPLOAD_BYTES`, before any decoding;
2. recognise the format by content only (the filename and any claimed MIME type are
   ignored); accept JPEG (and MPO, the multi-picture JPEG of some cameras), PNG, WebP and
   GIF, and only those decoders are ever tried;
3. refuse more than :data:`MAX_PIXELS` pixels from the header, before any pixel is
   decoded: PNG, GIF and WebP sizes are read from the header bytes before Pillow even
   opens the file (Pillow's WebP decoder allocates its canvas while opening), every other
   size right after ``Image.open`` (which reads headers only);
4. decode (the first frame of an animation); truncated or corrupt data is refused;
5. turn the image upright (EXIF orientation), convert it to sRGB when it carries an ICC
   profile (LittleCMS through ``PIL.ImageCms``; the profile is dropped when it cannot be
   used), flatten transparency on white, scale down so the longest side is at most
   :data:`MAX_SIDE` (never up);
6. re-encode from bare pixels as a progressive JPEG, quality 82, with no metadata at all
   (no EXIF, XMP, ICC profile or comment), plus a :data:`THUMB_SIDE` thumbnail made the
   same way.

The output depends only on the input bytes (same input, same output bytes).

Pillow's own bomb guard (``Image.MAX_IMAGE_PIXELS``) is a process-wide setting and Streamlit
serves every session on a thread of one process, so this module never changes it; it
applies its own, lower limit explicitly and also turns Pillow's ``DecompressionBombError``
into a refusal.  Every refusal is a :class:`PhotoRefused` whose ``key`` names a string in
``data/strings.toml`` (table ``[photo]``); no other exception leaves :func:`clean_photo`.
"""

from __future__ import annotations

import io
import logging
import math
import struct
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from geo.errors import Refused

try:  # LittleCMS is optional in Pillow builds; without it ICC profiles are dropped
    from PIL import ImageCms
except ImportError:  # pragma: no cover - depends on the Pillow build
    ImageCms = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 1600
THUMB_SIDE = 320
JPEG_QUALITY = 82
MIME = "image/jpeg"

#: The only decoders Pillow may try (by content).  ``MPO`` is not listed because Pillow
#: reaches it through the JPEG decoder.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
ACCEPTED = {"JPEG", "MPO", "PNG", "WEBP", "GIF"}
WHITE = (255, 255, 255)


@dataclass(frozen=True)
class CleanPhoto:
    """A cleaned photo: JPEG bytes without metadata, their size, and a JPEG thumbnail."""

    data: bytes
    mime: str
    width: int
    height: int
    thumb: bytes


class PhotoRefused(Refused):
    """An upload that is not accepted as a photo.

    ``key`` is a key in ``data/strings.toml`` (``photo.*``) and ``values`` its template fields;
    :meth:`message` gives the text in a language (Swedish by default).
    """


# --- recognising content ---------------------------------------------------------------
def _header_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the first bytes of a PNG, GIF or WebP, without decoding."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        chunk = data[12:16]
        if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
            w, h = struct.unpack("<HH", data[26:30])
            return w & 0x3FFF, h & 0x3FFF
        if chunk == b"VP8X" and len(data) >= 30:
            return (int.from_bytes(data[24:27], "little") + 1,
                    int.from_bytes(data[27:30], "little") + 1)
        if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
                b"avif", b"avis"}
_OTHER_IMAGES = (  # (magic, name) of image formats that are recognised but not accepted
    (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"), (b"BM", "BMP"), (b"8BPS", "PSD"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"), (b"\xff\x4f\xff\x51", "JPEG 2000"),
    (b"\x00\x00\x00\x0cJXL ", "JPEG XL"), (b"\xff\x0a", "JPEG XL"),
    (b"\x00\x00\x01\x00", "ICO"),
)


def _not_accepted(data: bytes) -> PhotoRefused:
    """The refusal for content that none of the accepted decoders recognised."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in head or head.startswith(b"<?xml") and b"svg" in head:
        return PhotoRefused("photo.svg")
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return PhotoRefused("photo.heic")
    for magic, name in _OTHER_IMAGES:
        if data.startswith(magic):
            return PhotoRefused("photo.unsupported", format=name)
    return PhotoRefused("photo.not_image")


def _check_pixels(size: tuple[int, int]) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise PhotoRefused("photo.zero_size")
    if width * height > MAX_PIXELS:
        raise PhotoRefused("photo.too_many_pixels", width=width, height=height,
                           max=MAX_PIXELS // 1_000_000)


# --- pixels -----------------------------------------------------------------------------
def _to_srgb(base: Image.Image, icc: bytes | None) -> Image.Image:
    """``base`` (mode RGB, L or CMYK) as sRGB pixels in mode RGB."""
    if icc and ImageCms is not None:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(
                base, source, ImageCms.createProfile("sRGB"),
                renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode="RGB")
            if converted is not None:
                return converted
        except Exception as exc:  # noqa: BLE001 - a bad or mismatched profile is dropped
            log.info("photo: ICC profile dropped (%s: %s)", type(exc).__name__, exc)
    return base.convert("RGB")


def _flatten(im: Image.Image) -> Image.Image:
    """Any decoded mode to RGB in sRGB, transparency flattened on white."""
    icc = im.info.get("icc_profile")
    if im.mode.startswith("I;16") or im.mode == "I":  # 16-bit grey: scale, do not clip
        im = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    alpha = None
    if im.has_transparency_data:
        alpha = im.convert("RGBA").getchannel("A")
        if alpha.getextrema() == (255, 255):
            alpha = None
    if im.mode in ("L", "LA", "La") or (im.mode == "P" and im.palette is not None
                                        and im.palette.mode == "L"):
        base = im.convert("L")
    elif im.mode == "CMYK":
        base = im
    else:
        base = im.convert("RGB")
    rgb = _to_srgb(base, icc)
    if alpha is None:
        return rgb
    out = Image.new("RGB", rgb.size, WHITE)
    out.paste(rgb, (0, 0), alpha)
    return out


def _fit(im: Image.Image, side: int) -> Image.Image:
    """Scale down (never up) so that the longest side is at most ``side``."""
    width, height = im.size
    if max(width, height) <= side:
        return im
    scale = side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _jpeg(im: Image.Image) -> bytes:
    """Bare pixels as a progressive JPEG: a fresh image, so nothing of ``im.info`` (EXIF,
    ICC profile, XMP, comment) can travel along."""
    bare = Image.frombytes("RGB", im.size, im.tobytes())
    buf = io.BytesIO()
    bare.save(buf, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True)
    return buf.getvalue()


def _decode(data: bytes) -> Image.Image:
    """Open, check the size, decode the first frame and turn it upright."""
    if (size := _header_size(data)) is not None:
        _check_pixels(size)  # before Pillow opens (and allocates) anything
    try:
        im = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError:
        raise PhotoRefused("photo.far_too_many_pixels", max=MAX_PIXELS // 1_000_000) from None
    except UnidentifiedImageError:
        raise _not_accepted(data) from None
    except Exception as exc:  # noqa: BLE001 - untrusted bytes: any parser failure is a refusal
        log.info("photo: header refused (%s: %s)", type(exc).__name__, exc)
        raise PhotoRefused("photo.corrupt") from None
    if im.format not in ACCEPTED:  # pragma: no cover - ``formats`` already restricts this
        raise PhotoRefused("photo.not_image")
    _check_pixels(im.size)
    try:
        if im.format in ("JPEG", "MPO") and max(im.size) > MAX_SIDE:
            # let libjpeg decode at 1/2, 1/4 or 1/8 scale, never below MAX_SIDE
            scale = MAX_SIDE / max(im.size)
            im.draft(None, (max(1, math.ceil(im.width * scale)),
                            max(1, math.ceil(im.height * scale))))
        im.load()
    except Exception as exc:  # noqa: BLE001 - truncated or corrupt pixel data
        log.info("photo: pixels refused (%s: %s)", type(exc).__name__, exc)
        raise PhotoRefused("photo.corrupt") from None
    try:
        upright = ImageOps.exif_transpose(im)
    except Exception as exc:  # noqa: BLE001 - unreadable EXIF: keep the image as stored
        log.info("photo: orientation ignored (%s: %s)", type(exc).__name__, exc)
        upright = im
    return upright


def clean_photo(data: bytes, filename: str | None = None) -> CleanPhoto:
    """An uploaded photo as a clean JPEG and thumbnail, or :class:`PhotoRefused`.

    ``filename`` is accepted for the caller's convenience and deliberately ignored: the
    format is recognised from the content alone.
    """
    del filename  # the content decides, never the name
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise PhotoRefused("photo.not_image")
    data = bytes(data)
    if not data:
        raise PhotoRefused("photo.empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoRefused("photo.too_large", size=round(len(data) / 1024 / 1024, 1),
                           max=MAX_UPLOAD_BYTES // 1024 // 1024)
    im = _decode(data)
    try:
        full = _fit(_flatten(im), MAX_SIDE)
        thumb = _fit(full, THUMB_SIDE)
        return CleanPhoto(data=_jpeg(full), mime=MIME, width=full.width, height=full.height,
                          thumb=_jpeg(thumb))
    except PhotoRefused:
        raise
    except MemoryError:
        raise PhotoRefused("photo.too_many_pixels", width=im.width, height=im.height,
                           max=MAX_PIXELS // 1_000_000) from None
    except Exception as exc:  # noqa: BLE001 - decoded but unusable pixels (odd modes)
        log.warning("photo: conversion failed (%s: %s)", type(exc).__name__, exc)
        raise PhotoRefused("photo.corrupt") from None
