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
3. refuse more than :data:`MAX_PIXELS` (24 million) pixels from the header, before any
   pixel is decoded: JPEG, PNG, GIF and WebP sizes are read from the header bytes before
   Pillow even opens the file (Pillow's WebP decoder allocates its canvas while opening),
   any other size right after ``Image.open`` (which reads headers only); the refusal names
   the file and its size in pixels.  A 129 KB one-colour PNG of 6324 × 6324 (40 million
   pixels, 476 MB and 1.5 s to decode) is refused in microseconds;
4. wait for one of :data:`CLEANING_SLOTS` server-wide slots (at most :data:`SLOT_WAIT_S`
   seconds, then "busy – try again"), and clean only one photo at a time per ``owner`` (a
   browser session): decoding is what costs memory, and a walk code is all it takes to
   upload;
5. decode (the first frame of an animation); truncated or corrupt data is refused;
6. turn the image upright (EXIF orientation), convert it to sRGB when it carries an ICC
   profile (LittleCMS through ``PIL.ImageCms``; the profile is dropped when it cannot be
   used), flatten transparency on white, scale down so the longest side is at most
   :data:`MAX_SIDE` (never up);
7. re-encode from bare pixels as a progressive JPEG, quality 82, with no metadata at all
   (no EXIF, XMP, ICC profile or comment), plus a :data:`THUMB_SIDE` thumbnail made the
   same way.

The output depends only on the input bytes (same input, same output bytes).

Pillow's own bomb guard (``Image.MAX_IMAGE_PIXELS``, a process-wide setting: Streamlit serves
every session on a thread of one process) is lowered to :data:`MAX_PIXELS` when this module
is imported (never raised), so any image the app opens warns above it and fails at twice it;
this module applies its own limit explicitly before that and turns Pillow's
``DecompressionBombError`` into a refusal too.  Every refusal is a :class:`PhotoRefused` whose
``key`` names a string in ``data/strings.toml`` (table ``[photo]``); no other exception leaves
:func:`clean_photo`.
"""

from __future__ import annotations

import io
import logging
import math
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from geo.errors import Refused
from geo.workflow import clean_name

try:  # LittleCMS is optional in Pillow builds; without it ICC profiles are dropped
    from PIL import ImageCms
except ImportError:  # pragma: no cover - depends on the Pillow build
    ImageCms = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
# 24 million pixels: a 6000 × 4000 camera photo; decoding one costs about 100 MB (and its
# conversions as much again), so the server-wide slots below bound what uploads can take.
MAX_PIXELS = 24_000_000
PER_PIN = 3  # photos a pin can be made with (more can be added to it afterwards)
Image.MAX_IMAGE_PIXELS = min(Image.MAX_IMAGE_PIXELS or MAX_PIXELS, MAX_PIXELS)
# At most this many photos are decoded at once in the whole server process; a request that
# finds no free slot within SLOT_WAIT_S seconds is refused with "busy – try again".
CLEANING_SLOTS = 2
SLOT_WAIT_S = 5.0
# Refusals that say nothing about the photo: the same file may be tried again.
TRY_AGAIN = frozenset({"photo.busy", "photo.one_at_a_time"})
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


# JPEG start-of-frame markers (baseline, progressive, lossless …; not DHT, JPG or DAC)
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a JPEG's frame header, walking its marker segments (at most
    the first 64 KB; None when no frame header is found there)."""
    if not data.startswith(b"\xff\xd8"):
        return None
    at, end = 2, min(len(data), 65536)
    while at + 4 <= end:
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            at += 2
            continue
        length = int.from_bytes(data[at + 2:at + 4], "big")
        if marker in _SOF and at + 9 <= len(data):
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return (width, height) if width and height else None  # 0: left to Pillow
        if length < 2:
            return None
        at += 2 + length
    return None


def _shown_name(filename: str | None) -> str | None:
    """The file's name as a message names it: no path, no direction marks, at most 60 characters."""
    if not isinstance(filename, str):
        return None
    name = clean_name(filename.replace("\\", "/").rsplit("/", 1)[-1])
    return (name if len(name) <= 60 else name[:59] + "…") or None


def _check_pixels(size: tuple[int, int], filename: str | None = None) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise PhotoRefused("photo.zero_size")
    if width * height > MAX_PIXELS:
        if (name := _shown_name(filename)) is not None:
            raise PhotoRefused("photo.too_many_pixels_file", name=name, width=width, height=height,
                               max=MAX_PIXELS // 1_000_000)
        raise PhotoRefused("photo.too_many_pixels", width=width, height=height,
                           max=MAX_PIXELS // 1_000_000)


# --- how many at once -------------------------------------------------------------------
_slots = threading.BoundedSemaphore(CLEANING_SLOTS)
_busy_owners: set[str] = set()
_owners_lock = threading.Lock()


@contextmanager
def cleaning_slot(owner: str | None = None, wait_s: float = SLOT_WAIT_S) -> Iterator[None]:
    """One of the server's :data:`CLEANING_SLOTS` for decoding a photo, held inside the
    ``with``: refused as ``photo.one_at_a_time`` when ``owner`` (a browser session) is
    cleaning another photo already, and as ``photo.busy`` when no slot frees up within
    ``wait_s`` seconds (never queued for ever)."""
    if owner is not None:
        with _owners_lock:
            if owner in _busy_owners:
                raise PhotoRefused("photo.one_at_a_time")
            _busy_owners.add(owner)
    try:
        if not _slots.acquire(timeout=max(0.0, wait_s)):
            raise PhotoRefused("photo.busy")
        try:
            yield
        finally:
            _slots.release()
    finally:
        if owner is not None:
            with _owners_lock:
                _busy_owners.discard(owner)


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


def _decode(data: bytes, filename: str | None = None) -> Image.Image:
    """Open, check the size, decode the first frame and turn it upright (the header's size
    is checked by :func:`clean_photo` before)."""
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
    _check_pixels(im.size, filename)
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


def clean_photo(data: bytes, filename: str | None = None, *, owner: str | None = None,
                wait_s: float = SLOT_WAIT_S) -> CleanPhoto:
    """An uploaded photo as a clean JPEG and thumbnail, or :class:`PhotoRefused`.

    ``filename`` only names the file in a refusal: the format is recognised from the
    content alone.  ``owner`` (e.g. the browser session) may clean one photo at a time;
    the decoding waits at most ``wait_s`` seconds for one of the server's
    :data:`CLEANING_SLOTS` (see the module's doc).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise PhotoRefused("photo.not_image")
    data = bytes(data)
    if not data:
        raise PhotoRefused("photo.empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoRefused("photo.too_large", size=round(len(data) / 1024 / 1024, 1),
                           max=MAX_UPLOAD_BYTES // 1024 // 1024)
    if (size := _header_size(data) or _jpeg_size(data)) is not None:
        _check_pixels(size, filename)  # before Pillow opens (and allocates) anything
    with cleaning_slot(owner, wait_s):
        im = _decode(data, filename)
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
