"""Photo intake: check what a file *is* (not what it is called), orient it, strip its
location when the office says so, and make a thumbnail.

Phones send JPEG (sometimes as MPO, a JPEG with a second picture), PNG for screenshots,
and iPhones HEIC, which Pillow cannot read without a plugin we do not ship: HEIC gets
its own message telling the user how to send a JPEG instead.
"""
import io
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from .models import campaign_zone

PHOTO_CAP_BYTES = 10 * 1024 * 1024
MAX_PHOTOS_PER_UPLOAD = 9
STORED_MAX_EDGE = 2560  # long edge kept; a 48 MP original adds weight, not evidence
THUMB_MAX_EDGE = 640  # sharp on a phone and printable at 7 cm in the supervision order

EXIF_ORIENTATION = 0x0112
EXIF_IFD = 0x8769
GPS_IFD = 0x8825
EXIF_DATETIME = 0x0132
EXIF_DATETIME_ORIGINAL = 0x9003

HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
FORMATS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png"}


_strict_lock = threading.Lock()


@contextmanager
def _strict_decoding():
    """Refuse truncated files while we decode an upload.

    WeasyPrint sets Pillow's global LOAD_TRUNCATED_IMAGES = True when imported, after which
    a half-uploaded JPEG would load as a grey-padded picture. The lock keeps our own
    save/restore pairs from interleaving; WeasyPrint only ever reads photos we validated.
    """
    with _strict_lock:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def max_pixels():
    """PHOTO_MAX_MEGAPIXELS (50 by default, a 50 MP phone photo): larger is a decompression
    bomb, not a picture of a lawn."""
    return settings.PHOTO_MAX_MEGAPIXELS * 1_000_000


def photo_max_bytes():
    """The per-photo cap: 10 MB, or the site-wide upload cap if that is smaller."""
    return min(PHOTO_CAP_BYTES, settings.UPLOAD_MAX_BYTES)


@dataclass
class ProcessedPhoto:
    original_name: str
    content: bytes
    extension: str
    thumbnail: bytes
    width: int
    height: int
    taken_at: datetime | None
    had_location: bool
    location_stripped: bool


def _is_heif(head):
    return len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS


def _megabytes(n):
    return f"{n / 1024 / 1024:.0f}"


def _taken_at(exif):
    raw = exif.get_ifd(EXIF_IFD).get(EXIF_DATETIME_ORIGINAL) or exif.get(EXIF_DATETIME)
    if not raw or not isinstance(raw, str):
        return None
    try:
        # EXIF times carry no zone; phones write local time, which here is the campaign's.
        return datetime.strptime(raw.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S").replace(tzinfo=campaign_zone())
    except ValueError:
        return None


def _flatten(image):
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


@dataclass
class InspectedPhoto:
    """A photo whose header was read (format, size) and nothing decoded yet."""

    name: str
    image: Image.Image


def inspect_photo(upload):
    """Check one upload from its bytes and header only; raises ValidationError in Chinese."""
    name = getattr(upload, "name", "") or "photo"
    cap = photo_max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > cap:
        raise ValidationError(
            _("照片“%(name)s”有 %(size)s MB，超过单张 %(cap)s MB 的上限，请压缩后再上传。")
            % {"name": name, "size": _megabytes(size), "cap": _megabytes(cap)},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read(cap + 1)
    if len(data) > cap:
        raise ValidationError(_("照片“%(name)s”超过单张 %(cap)s MB 的上限，请压缩后再上传。")
                              % {"name": name, "cap": _megabytes(cap)}, code="too_large")
    if _is_heif(data[:16]):
        raise ValidationError(
            _("照片“%(name)s”是 HEIC 格式（苹果手机默认格式），系统暂不支持。请在手机“设置—相机—格式”中选择"
              "“兼容性最佳”后重新拍摄，或截图后上传 JPEG / PNG 照片。") % {"name": name},
            code="heic",
        )
    unsupported = ValidationError(
        _("文件“%(name)s”不是可识别的照片，仅支持 JPEG 或 PNG 格式。") % {"name": name}, code="format"
    )
    limit = max_pixels()
    too_big = ValidationError(_("照片“%(name)s”超过 %(mp)s 百万像素的上限，请压缩后再上传。")
                              % {"name": name, "mp": settings.PHOTO_MAX_MEGAPIXELS}, code="pixels")
    # Pillow's own guard, for every decoder in the process: a warning past the limit, an error past twice it.
    Image.MAX_IMAGE_PIXELS = limit
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_big from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise unsupported from exc
    if image.format not in FORMATS:
        raise unsupported
    if image.width * image.height > limit:
        raise too_big
    return InspectedPhoto(name=name, image=image)


def decode_photo(inspected, *, strip_location):
    """Decode, orient, strip and shrink a photo that passed inspect_photo."""
    name, image = inspected.name, inspected.image
    unsupported = ValidationError(
        _("文件“%(name)s”不是可识别的照片，仅支持 JPEG 或 PNG 格式。") % {"name": name}, code="format"
    )
    try:
        # JPEG decodes at 1/2, 1/4 or 1/8 scale when that is still larger than what we keep:
        # a 48 MP phone photo costs a quarter of the memory.
        image.draft(None, (STORED_MAX_EDGE, STORED_MAX_EDGE))
        with _strict_decoding():
            image.load()
    except (Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise unsupported from exc

    fmt = image.format
    # exif_transpose rebuilds EXIF without the GPS sub-directory, so read everything first
    # and write our own copy back: orientation applied to the pixels, GPS removed on request.
    exif = image.getexif()
    gps = dict(exif.get_ifd(GPS_IFD))
    exif.get_ifd(EXIF_IFD)
    had_location = bool(gps)
    taken_at = _taken_at(exif)
    oriented = ImageOps.exif_transpose(image)
    exif.pop(EXIF_ORIENTATION, None)
    if strip_location:
        exif.pop(GPS_IFD, None)
    if max(oriented.size) > STORED_MAX_EDGE:
        oriented.thumbnail((STORED_MAX_EDGE, STORED_MAX_EDGE), Image.Resampling.LANCZOS)

    out = io.BytesIO()
    if fmt == "PNG":
        oriented.save(out, "PNG", exif=exif.tobytes())
    else:
        # XMP is not copied: it can carry a location too, and nothing here reads it.
        oriented = oriented if oriented.mode in ("RGB", "L") else _flatten(oriented)
        oriented.save(out, "JPEG", quality=85, optimize=True, exif=exif.tobytes())

    thumb = _flatten(oriented.copy())
    thumb.thumbnail((THUMB_MAX_EDGE, THUMB_MAX_EDGE), Image.Resampling.LANCZOS)
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, "JPEG", quality=80, optimize=True)  # no EXIF at all in thumbnails

    return ProcessedPhoto(
        original_name=name[:200],
        content=out.getvalue(),
        extension=FORMATS[fmt],
        thumbnail=thumb_out.getvalue(),
        width=oriented.width,
        height=oriented.height,
        taken_at=taken_at,
        had_location=had_location,
        location_stripped=bool(strip_location and had_location),
    )


def process_photo(upload, *, strip_location):
    """Validate and normalise one uploaded file; raises ValidationError with a Chinese message."""
    return decode_photo(inspect_photo(upload), strip_location=strip_location)


def inspect_photos(uploads):
    """The count, then every file's header, before any file is decoded. Errors are collected."""
    uploads = list(uploads)
    if len(uploads) > MAX_PHOTOS_PER_UPLOAD:
        raise ValidationError(_("一次最多上传 %(n)s 张照片。") % {"n": MAX_PHOTOS_PER_UPLOAD}, code="too_many")
    inspected, errors = [], []
    for upload in uploads:
        try:
            inspected.append(inspect_photo(upload))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return inspected


def decode_photos(inspected, *, strip_location):
    processed, errors = [], []
    for item in inspected:
        try:
            processed.append(decode_photo(item, strip_location=strip_location))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return processed


def process_photos(uploads, *, strip_location):
    """All or nothing: every file is checked before any is stored (and before any is decoded)."""
    return decode_photos(inspect_photos(uploads), strip_location=strip_location)
