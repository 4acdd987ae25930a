"""geo.photos: untrusted uploads become clean, upright JPEGs without metadata, or a refusal.

Every test image is built here with Pillow (or by hand with ``struct``/``zlib`` where Pillow
would have to allocate the pixels): no binary fixtures.
"""

from __future__ import annotations

import io
import re
import resource
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms, PngImagePlugin

from geo import i18n
from geo.photos import (
    MAX_PIXELS,
    MAX_SIDE,
    MAX_UPLOAD_BYTES,
    THUMB_SIDE,
    CleanPhoto,
    PhotoRefused,
    clean_photo,
)

ROOT = Path(__file__).resolve().parents[2]
MAKE, MODEL, SERIAL = "AcmeCam", "Trygg-X100", "SN-4711-ANDERSBERG"
RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)


# --- builders ---------------------------------------------------------------------------
def encode(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def striped(size=(40, 30), top=RED, rest=BLUE) -> Image.Image:
    """``rest`` with the top quarter in ``top``: shows which way the image was turned."""
    im = Image.new("RGB", size, rest)
    im.paste(top, (0, 0, size[0], size[1] // 4))
    return im


def camera_exif() -> Image.Exif:
    """What a tablet camera writes: orientation 6, make/model, serial, time, GPS (Andersberg)."""
    exif = Image.Exif()
    exif[0x0112] = 6                      # Orientation: rotate 90° clockwise to display
    exif[0x010F] = MAKE                   # Make
    exif[0x0110] = MODEL                  # Model
    exif[0x0132] = "2019:10:15 18:42:00"  # DateTime
    ifd = exif.get_ifd(0x8769)            # Exif IFD
    ifd[0x9003] = "2019:10:15 18:42:00"   # DateTimeOriginal
    ifd[0xA431] = SERIAL                  # BodySerialNumber
    gps = exif.get_ifd(0x8825)            # GPSInfo IFD
    gps[1], gps[2] = "N", (56.0, 39.0, 36.0)   # 56.66 N
    gps[3], gps[4] = "E", (12.0, 54.0, 0.0)    # 12.90 E
    return exif


def camera_jpeg(size=(40, 30)) -> bytes:
    return encode(striped(size), "JPEG", quality=95, exif=camera_exif().tobytes(),
                  icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
                  xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">Anna Andersson</x:xmpmeta>',
                  comment=b"Anna Andersson, Andersberg")


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def huge_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of ``width`` × ``height`` black pixels, compressed row by row so
    that building it never holds the pixels (20000 × 20000 → about 50 KB)."""
    row = b"\x00" * (1 + (width + 7) // 8)
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    return (b"\x89PNG\r\n\x1a\n"
            + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b""))


def with_jpeg_size(jpeg: bytes, width: int, height: int) -> bytes:
    """A small baseline JPEG whose SOF0 header claims another size (pixels never decoded)."""
    at = jpeg.index(b"\xff\xc0")
    return jpeg[:at + 5] + struct.pack(">HH", height, width) + jpeg[at + 9:]


def rgb_icc(primaries) -> bytes:
    """A minimal ICC v2 RGB matrix/TRC display profile (gamma 2.2) with the given D50
    primaries: enough to see that pixels are really converted to sRGB."""
    def s15(v: float) -> bytes:
        return struct.pack(">i", round(v * 65536))

    def xyz(v) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(s15(c) for c in v)

    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    desc_text = b"test\0"
    desc = (b"desc\0\0\0\0" + struct.pack(">I", len(desc_text)) + desc_text
            + b"\0" * 4 + b"\0" * 4 + b"\0" * 2 + b"\0" + b"\0" * 67)
    tags = [(b"desc", desc), (b"wtpt", xyz((0.9642, 1.0, 0.8249))),
            (b"rXYZ", xyz(primaries[0])), (b"gXYZ", xyz(primaries[1])),
            (b"bXYZ", xyz(primaries[2])), (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve)]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for sig, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (struct.pack(">I", size) + b"lcms" + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ "
              + struct.pack(">6H", 2019, 10, 15, 18, 42, 0) + b"acsp" + b"\0" * 24
              + struct.pack(">I", 0) + s15(0.9642) + s15(1.0) + s15(0.8249) + b"\0" * 48)
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


SRGB_D50 = ((0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141))


def assert_clean(out: CleanPhoto, *secrets: bytes) -> Image.Image:
    """``out`` is a JPEG (and so is its thumbnail) without any metadata; return it opened."""
    assert out.mime == "image/jpeg"
    for blob in (out.data, out.thumb):
        im = Image.open(io.BytesIO(blob))
        assert im.format == "JPEG" and im.mode == "RGB"
        assert not im.getexif()
        assert not {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment"} & set(im.info)
        assert not im.applist or [m for m, _ in im.applist] == ["APP0"]  # JFIF only
        for secret in (b"Exif", b"GPS", b"http://ns.adobe.com", *secrets):
            assert secret not in blob
    im = Image.open(io.BytesIO(out.data))
    assert im.size == (out.width, out.height)
    assert max(Image.open(io.BytesIO(out.thumb)).size) <= THUMB_SIDE
    return im


def refused(data: bytes, key: str, *words: str, filename: str | None = None) -> PhotoRefused:
    with pytest.raises(PhotoRefused) as info:
        clean_photo(data, filename)
    err = info.value
    assert err.key == key, (err.key, err.values)
    sv = err.message("sv")
    for word in words:
        assert word.lower() in sv.lower(), sv
    assert err.message("en") and err.message("en") != sv
    assert str(err) == sv  # the default language is Swedish
    return err


def close(a, b, tol=12) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b))


# --- metadata, orientation, formats -----------------------------------------------------
def test_camera_jpeg_loses_all_metadata_and_stands_upright():
    data = camera_jpeg()
    src = Image.open(io.BytesIO(data))  # the fixture really carries what it should
    assert src.getexif()[0x0112] == 6 and src.getexif().get_ifd(0x8825)[2] == (56.0, 39.0, 36.0)
    assert SERIAL.encode() in data and MAKE.encode() in data and b"Exif" in data

    out = clean_photo(data, "IMG_0001.JPG")
    im = assert_clean(out, MAKE.encode(), MODEL.encode(), SERIAL.encode(), b"Anna",
                      b"2019:10:15")
    assert im.size == (30, 40)  # orientation 6: stored 40 × 30, shown 30 × 40
    # the stored top strip (red) is on the right once the photo is upright
    assert close(im.getpixel((28, 20)), RED) and close(im.getpixel((2, 20)), BLUE)


def test_png_transparency_flattened_on_white_and_text_gone():
    im = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    im.paste((255, 0, 0, 255), (10, 0, 20, 10))
    meta = PngImagePlugin.PngInfo()
    meta.add_text("Author", "Anna Andersson")
    meta.add_itxt("Comment", "Storgatan 5, Halmstad")
    out = clean_photo(encode(im, "PNG", pnginfo=meta))
    got = assert_clean(out, b"Anna", b"Storgatan")
    assert close(got.getpixel((2, 5)), WHITE) and close(got.getpixel((17, 5)), RED)


def test_palette_png_with_transparent_index():
    im = Image.new("P", (8, 8), 0)
    im.putpalette([0, 0, 0, 0, 255, 0] + [0] * 762)
    im.paste(1, (4, 0, 8, 8))
    out = clean_photo(encode(im, "PNG", transparency=0))
    got = assert_clean(out)
    assert close(got.getpixel((1, 4)), WHITE) and close(got.getpixel((6, 4)), (0, 255, 0))


def test_webp():
    out = clean_photo(encode(striped(), "WEBP", lossless=True, exif=camera_exif().tobytes()))
    got = assert_clean(out, SERIAL.encode())
    assert got.size == (30, 40)  # WebP EXIF orientation is honoured too


def test_gif_takes_the_first_frame():
    frames = [Image.new("RGB", (16, 16), c) for c in (RED, BLUE, (0, 255, 0))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100,
                  loop=0, comment=b"Anna Andersson")
    out = clean_photo(data)
    got = assert_clean(out, b"Anna")
    assert got.size == (16, 16) and close(got.getpixel((8, 8)), RED)


def test_mpo_multi_picture_jpeg_takes_the_primary_image():
    frames = [striped(), Image.new("RGB", (40, 30), (0, 255, 0))]
    data = encode(frames[0], "MPO", save_all=True, append_images=frames[1:],
                  exif=camera_exif().tobytes())
    assert Image.open(io.BytesIO(data)).format == "MPO"
    got = assert_clean(clean_photo(data), SERIAL.encode())
    assert got.size == (30, 40) and close(got.getpixel((28, 20)), RED)


def test_16_bit_grey_png_is_scaled_not_clipped():
    im = Image.new("I;16", (2, 1))
    im.putpixel((0, 0), 65535)
    im.putpixel((1, 0), 32768)
    got = assert_clean(clean_photo(encode(im, "PNG")))
    assert close(got.getpixel((0, 0)), WHITE) and close(got.getpixel((1, 0)), (128,) * 3)


def test_cmyk_jpeg_becomes_rgb():
    got = assert_clean(clean_photo(encode(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), "JPEG")))
    assert close(got.getpixel((4, 4)), RED, tol=20)


def test_icc_profile_is_applied_then_dropped():
    # a profile whose red primary is sRGB's blue: pure "red" pixels are really blue
    swapped = rgb_icc((SRGB_D50[2], SRGB_D50[1], SRGB_D50[0]))
    data = encode(Image.new("RGB", (8, 8), RED), "PNG", icc_profile=swapped)
    got = assert_clean(clean_photo(data))
    assert close(got.getpixel((4, 4)), BLUE, tol=30), got.getpixel((4, 4))
    # an sRGB-like profile leaves the colours alone
    same = encode(Image.new("RGB", (8, 8), (200, 120, 40)), "PNG", icc_profile=rgb_icc(SRGB_D50))
    assert close(assert_clean(clean_photo(same)).getpixel((4, 4)), (200, 120, 40), tol=16)


@pytest.mark.parametrize("icc", [b"not a profile at all", b"\0" * 200])
def test_unusable_icc_profile_is_dropped_not_fatal(icc):
    got = assert_clean(clean_photo(encode(Image.new("RGB", (8, 8), RED), "JPEG", icc_profile=icc)))
    assert close(got.getpixel((4, 4)), RED, tol=20)


def test_polyglot_trailer_is_not_carried_over():
    data = encode(Image.new("RGB", (8, 8), RED), "JPEG") + b"PK\x03\x04<script>alert(1)</script>"
    out = clean_photo(data)
    assert_clean(out, b"<script>", b"PK\x03\x04")


def test_output_is_deterministic():
    data = camera_jpeg((400, 300))
    assert clean_photo(data) == clean_photo(data)


def test_filename_is_ignored():
    data = encode(Image.new("RGB", (8, 8), RED), "PNG")
    assert clean_photo(data, "virus.exe") == clean_photo(data, "photo.jpg") == clean_photo(data)


# --- scaling ----------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_large_image_is_scaled_to_max_side(fmt):
    out = clean_photo(encode(Image.new("RGB", (4000, 3000), (10, 120, 200)), fmt))
    assert (out.width, out.height) == (MAX_SIDE, 1200)
    assert Image.open(io.BytesIO(out.thumb)).size == (THUMB_SIDE, 240)


def test_portrait_with_orientation_is_scaled_after_turning():
    exif = Image.Exif()
    exif[0x0112] = 6
    out = clean_photo(encode(Image.new("RGB", (4000, 3000)), "JPEG", exif=exif.tobytes()))
    assert (out.width, out.height) == (1200, MAX_SIDE)


def test_small_image_is_never_scaled_up():
    out = clean_photo(encode(Image.new("RGB", (800, 600)), "JPEG"))
    assert (out.width, out.height) == (800, 600)
    assert max(Image.open(io.BytesIO(out.thumb)).size) == THUMB_SIDE
    tiny = clean_photo(encode(Image.new("RGB", (5, 3)), "PNG"))
    assert (tiny.width, tiny.height) == (5, 3)
    assert Image.open(io.BytesIO(tiny.thumb)).size == (5, 3)


# --- refusals ---------------------------------------------------------------------------
def test_huge_png_header_refused_without_allocating_pixels():
    data = huge_png(20000, 20000)
    assert len(data) < 200_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    err = refused(data, "photo.too_many_pixels", "20000 × 20000", "24 miljoner")
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 100 * 1024  # decoding would need 400 MB
    assert err.values == {"width": 20000, "height": 20000, "max": 24}


def test_our_limit_holds_for_jpeg_too_and_pillows_is_no_higher():
    assert MAX_PIXELS == 24_000_000 and Image.MAX_IMAGE_PIXELS <= MAX_PIXELS  # set on import
    refused(huge_png(8000, 6000), "photo.too_many_pixels", "8000 × 6000")
    small = encode(Image.new("RGB", (16, 16)), "JPEG")
    refused(with_jpeg_size(small, 8000, 6000), "photo.too_many_pixels", "8000 × 6000")
    # read from the JPEG's frame header before Pillow opens it, far beyond its hard limit too
    refused(with_jpeg_size(small, 20000, 20000), "photo.too_many_pixels", "20000 × 20000", "24 miljoner")
    refused(with_jpeg_size(small, 6000, 4000 + 1), "photo.too_many_pixels", "6000 × 4001")


def one_colour_png(width: int, height: int, colour=(200, 30, 30)) -> bytes:
    """A valid RGB PNG of one colour, compressed row by row (6324 × 6324 → about 129 KB,
    40 million pixels: the review's upload)."""
    row = b"\x00" + bytes(colour) * width
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    return (b"\x89PNG\r\n\x1a\n"
            + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b""))


def test_a_small_file_with_40_million_pixels_is_refused_at_once_naming_it():
    """The review's bomb: 129 KB that decode to 476 MB (1.5 s).  Refused from the header:
    quickly, with far less memory than the decoded image, naming the file and its size."""
    import time
    import tracemalloc

    data = one_colour_png(6324, 6324)
    assert len(data) < 200_000
    tracemalloc.start()
    try:
        started = time.perf_counter()
        err = refused(data, "photo.too_many_pixels_file", "6324 × 6324", "24 miljoner", "bomb.png",
                      filename="uploads/bomb.png")
        took = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert took < 0.5, took
    assert peak < 5 * 1024 * 1024, peak  # decoded it would take 6324 * 6324 * 3 bytes = 120 MB
    assert err.values == {"name": "bomb.png", "width": 6324, "height": 6324, "max": 24}
    assert "6324 × 6324" in err.message("en") and "bomb.png" in err.message("en")


def test_a_normal_camera_photo_still_passes():
    out = clean_photo(encode(Image.new("RGB", (6000, 4000), (10, 120, 200)), "JPEG"), "IMG_1.JPG")
    assert (out.width, out.height) == (MAX_SIDE, round(MAX_SIDE * 4000 / 6000))


def test_photos_are_cleaned_two_at_a_time_one_per_session():
    """A bounded number of cleanings at once in the whole server; a request that cannot get
    a slot in time is refused ("try again"), never queued for ever; one owner (a browser
    session) cleans one photo at a time."""
    import threading

    from geo import photos

    data = encode(Image.new("RGB", (64, 48), RED), "PNG")
    assert photos.CLEANING_SLOTS == 2
    with photos.cleaning_slot("tablet-1"):
        with pytest.raises(PhotoRefused) as again:
            clean_photo(data, owner="tablet-1", wait_s=5)
        assert again.value.key == "photo.one_at_a_time" and again.value.key in photos.TRY_AGAIN
        assert clean_photo(data, owner="tablet-2", wait_s=0.1).width == 64  # the second slot
        with photos.cleaning_slot("tablet-3"):  # both slots taken
            with pytest.raises(PhotoRefused) as busy:
                clean_photo(data, owner="tablet-4", wait_s=0.2)
            assert busy.value.key == "photo.busy" and "försök igen" in busy.value.message()
    done: list[CleanPhoto] = []
    with photos.cleaning_slot("tablet-1"), photos.cleaning_slot("tablet-3"):
        waiting = threading.Thread(target=lambda: done.append(clean_photo(data, wait_s=10)))
        waiting.start()
        waiting.join(0.3)
        assert waiting.is_alive() and not done  # waits for a slot, taken once one frees up
    waiting.join(10)
    assert len(done) == 1
    assert clean_photo(data, owner="tablet-1").width == 64  # everything released


def test_huge_webp_header_refused_before_pillow_opens_it():
    small = encode(Image.new("RGB", (16, 16)), "WEBP", lossless=True)
    assert small[12:16] == b"VP8L"
    bits = (16383 - 1) | ((16383 - 1) << 14)
    claimed = small[:21] + bits.to_bytes(4, "little") + small[25:]
    refused(claimed, "photo.too_many_pixels", "16383 × 16383")


def test_over_size_bytes_refused_before_decoding():
    data = encode(Image.new("RGB", (8, 8)), "PNG")
    data += b"\0" * (MAX_UPLOAD_BYTES + 1 - len(data))
    err = refused(data, "photo.too_large", "för stor", "15 MB")
    assert err.values["max"] == 15


def test_empty_bytes():
    refused(b"", "photo.empty", "tom")


def test_zero_size_images():
    zero = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 0, 10, 8, 0, 0, 0, 0))
            + png_chunk(b"IEND", b""))
    refused(zero, "photo.zero_size", "bredd eller höjd")
    gif = encode(Image.new("P", (4, 4)), "GIF")
    refused(gif[:6] + struct.pack("<HH", 4, 0) + gif[10:], "photo.zero_size")


def test_random_bytes():
    refused(bytes(range(256)) * 4, "photo.not_image", "ingen bild", "JPEG, PNG, WebP")


def test_text_file_named_photo_jpg():
    refused(b"Hej! Det har ar ingen bild.\n", "photo.not_image", "ingen bild", filename="photo.jpg")


@pytest.mark.parametrize("svg", [
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>',
    b'\xef\xbb\xbf<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg onload="alert(1)"/>',
])
def test_svg_is_always_refused(svg):
    refused(svg, "photo.svg", "SVG", "skript", filename="photo.jpg")


def test_pdf_zip_html_named_jpg_are_refused():
    refused(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "photo.not_image",
            filename="photo.jpg")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("photo.jpg", encode(Image.new("RGB", (8, 8)), "JPEG"))
    refused(buf.getvalue(), "photo.not_image", filename="photo.jpg")
    refused(b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>",
            "photo.not_image", filename="photo.jpg")


def test_heic_and_other_image_formats_name_the_problem():
    heic = struct.pack(">I", 24) + b"ftypheic" + b"\0\0\0\0" + b"mif1heic" + b"\0" * 64
    refused(heic, "photo.heic", "HEIC", "JPEG")
    refused(encode(Image.new("RGB", (8, 8)), "TIFF"), "photo.unsupported", "TIFF")
    refused(encode(Image.new("RGB", (8, 8)), "BMP"), "photo.unsupported", "BMP")


def test_truncated_jpeg():
    data = camera_jpeg((400, 300))
    refused(data[: len(data) // 2], "photo.corrupt", "skadad eller ofullständig")


def test_truncated_png():
    data = encode(Image.effect_noise((200, 200), 60).convert("RGB"), "PNG")
    refused(data[: len(data) // 2], "photo.corrupt", "skadad")


def test_every_refusal_key_exists_in_both_languages():
    src = (ROOT / "geo" / "photos.py").read_text(encoding="utf-8")
    keys = set(re.findall(r'"(photo\.[a-z_]+)"', src))
    assert len(keys) >= 9
    for key in keys:
        assert i18n.has(key), key
        entry = i18n.strings()[key]
        assert entry.get("sv") and entry.get("en"), key


# --- properties -------------------------------------------------------------------------
SEED_FILES = [camera_jpeg((24, 16)), encode(Image.new("RGBA", (9, 7), (1, 2, 3, 4)), "PNG"),
              encode(Image.new("RGB", (9, 7), RED), "WEBP"),
              encode(Image.new("P", (9, 7), 3), "GIF")]


@st.composite
def damaged_images(draw) -> bytes:
    """A valid small image with some bytes overwritten, cut short or spliced in."""
    data = bytearray(draw(st.sampled_from(SEED_FILES)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data) - 1))
        data[at:at + 1] = draw(st.binary(min_size=0, max_size=4))
        if not data:
            break
    return bytes(data[: draw(st.integers(0, len(data)))] if draw(st.booleans()) else data)


@pytest.mark.filterwarnings("ignore::UserWarning:PIL.TiffImagePlugin")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=2048), damaged_images()))
def test_arbitrary_bytes_only_ever_raise_photo_refused(data):
    try:
        out = clean_photo(data)
    except PhotoRefused as err:
        assert err.message("sv") and err.message("en")
    else:
        assert_clean(out)


@st.composite
def small_images(draw) -> tuple[bytes, tuple[int, int]]:
    w, h = draw(st.integers(1, 64)), draw(st.integers(1, 64))
    mode = draw(st.sampled_from(["RGB", "RGBA", "L", "P"]))
    bands = {"RGB": 3, "RGBA": 4, "L": 1, "P": 1}[mode]
    seed = draw(st.binary(min_size=1, max_size=64))
    pixels = (seed * (w * h * bands // len(seed) + 1))[: w * h * bands]
    im = Image.frombytes(mode, (w, h), pixels)
    if mode == "P":
        im.putpalette(draw(st.binary(min_size=768, max_size=768)))
    fmt = draw(st.sampled_from(["JPEG", "PNG", "WEBP", "GIF"]))
    if fmt == "JPEG" and mode in ("RGBA", "P"):
        im = im.convert("RGB")
    return encode(im, fmt, exif=camera_exif().tobytes()) if fmt != "GIF" else encode(im, fmt), (w, h)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_images())
def test_small_valid_images_always_come_out_clean(case):
    data, (w, h) = case
    out = clean_photo(data)
    got = assert_clean(out, SERIAL.encode(), MAKE.encode())
    assert sorted(got.size) == sorted((w, h))  # orientation 6 (EXIF) may swap the sides
