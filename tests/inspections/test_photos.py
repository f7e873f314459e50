"""Photo intake: type by content, size caps, orientation, location stripping, thumbnails."""
import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image, ImageFile

from inspections.photos import MAX_PHOTOS_PER_UPLOAD, THUMB_MAX_EDGE, process_photo, process_photos

from .conftest import image_bytes, upload

GPS = {1: "N", 2: (30.0, 35.0, 12.5), 3: "E", 4: (114.0, 18.0, 1.0)}


def exif_with(orientation=None, gps=False, taken="2026:03:01 09:15:00"):
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = GPS
    exif.get_ifd(0x8769)[0x9003] = taken
    return exif


def reopen(data):
    return Image.open(io.BytesIO(data))


class PhotoValidationTests:
    def test_it_accepts_a_jpeg(self):
        p = process_photo(upload("a.jpg"), strip_location=False)
        assert p.extension == "jpg" and reopen(p.content).format == "JPEG"
        assert (p.width, p.height) == (80, 60)

    def test_it_accepts_a_png_with_transparency(self):
        p = process_photo(upload("shot.png", image_bytes("PNG", mode="RGBA"), "image/png"), strip_location=False)
        assert p.extension == "png" and reopen(p.content).format == "PNG"
        assert reopen(p.thumbnail).mode == "RGB"  # flattened for the JPEG thumbnail

    def test_it_judges_by_content_not_by_name(self):
        p = process_photo(upload("really-a-jpeg.png", image_bytes("JPEG"), "image/png"), strip_location=False)
        assert p.extension == "jpg"
        with pytest.raises(ValidationError) as exc:
            process_photo(upload("notes.jpg", "会议纪要，不是照片".encode(), "image/jpeg"), strip_location=False)
        assert "仅支持 JPEG 或 PNG" in exc.value.messages[0]

    def test_it_refuses_heic_with_advice(self):
        heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200
        with pytest.raises(ValidationError) as exc:
            process_photo(upload("IMG_0001.HEIC", heic, "image/heic"), strip_location=False)
        assert exc.value.code == "heic"
        assert "HEIC" in exc.value.messages[0] and "兼容性最佳" in exc.value.messages[0]

    @pytest.mark.parametrize("fmt", ["GIF", "BMP", "WEBP", "TIFF"])
    def test_it_refuses_other_image_formats(self, fmt):
        with pytest.raises(ValidationError) as exc:
            process_photo(upload(f"x.{fmt.lower()}", image_bytes(fmt), "image/jpeg"), strip_location=False)
        assert exc.value.code == "format"

    @pytest.mark.parametrize("lenient_elsewhere", [False, True])
    def test_it_refuses_a_truncated_jpeg(self, lenient_elsewhere, monkeypatch):
        # WeasyPrint makes Pillow lenient process-wide once imported; uploads stay strict.
        monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", lenient_elsewhere)
        data = image_bytes(size=(400, 300))
        with pytest.raises(ValidationError):
            process_photo(upload("cut.jpg", data[: len(data) // 2]), strip_location=False)
        assert ImageFile.LOAD_TRUNCATED_IMAGES is lenient_elsewhere

    def test_it_caps_the_size_per_photo(self, settings):
        settings.UPLOAD_MAX_BYTES = 1000
        with pytest.raises(ValidationError) as exc:
            process_photo(upload("big.jpg", image_bytes(size=(400, 300)) + b"\x00" * 2000), strip_location=False)
        assert exc.value.code == "too_large" and "big.jpg" in exc.value.messages[0]

    def test_it_refuses_decompression_bombs(self):
        bomb = io.BytesIO()
        Image.new("1", (9000, 9000)).save(bomb, "PNG")  # 81 MP in a few kilobytes
        with pytest.raises(ValidationError) as exc:
            process_photo(upload("bomb.png", bomb.getvalue(), "image/png"), strip_location=False)
        assert exc.value.code == "pixels"

    def test_it_checks_all_and_reports_every_bad_file(self):
        files = [upload("ok.jpg"), upload("bad1.jpg", b"nope"), upload("bad2.gif", image_bytes("GIF"))]
        with pytest.raises(ValidationError) as exc:
            process_photos(files, strip_location=False)
        assert len(exc.value.messages) == 2
        assert "bad1.jpg" in exc.value.messages[0] and "bad2.gif" in exc.value.messages[1]

    def test_it_limits_the_number_of_photos(self):
        with pytest.raises(ValidationError):
            process_photos([upload(f"{i}.jpg") for i in range(MAX_PHOTOS_PER_UPLOAD + 1)], strip_location=False)


class PhotoProcessingTests:
    def test_it_turns_the_pixels_by_the_exif_orientation(self):
        # Orientation 6: the camera was held upright; the stored pixels are landscape.
        p = process_photo(upload("upright.jpg", image_bytes(size=(80, 60), exif=exif_with(orientation=6))),
                          strip_location=False)
        stored = reopen(p.content)
        assert stored.size == (60, 80) and (p.width, p.height) == (60, 80)
        assert 0x0112 not in stored.getexif()  # viewers must not rotate it a second time

    def test_it_keeps_the_location_unless_told_otherwise(self):
        p = process_photo(upload("gps.jpg", image_bytes(exif=exif_with(orientation=6, gps=True))),
                          strip_location=False)
        assert p.had_location and not p.location_stripped
        assert reopen(p.content).getexif().get_ifd(0x8825)[1] == "N"

    def test_it_strips_the_location_when_the_office_chooses(self):
        p = process_photo(upload("gps.jpg", image_bytes(exif=exif_with(orientation=6, gps=True))),
                          strip_location=True)
        exif = reopen(p.content).getexif()
        assert p.location_stripped
        assert not exif.get_ifd(0x8825)
        assert exif.get_ifd(0x8769)[0x9003] == "2026:03:01 09:15:00"  # the time it was taken stays

    def test_it_strips_the_location_from_a_png_too(self):
        data = image_bytes("PNG", exif=exif_with(gps=True))
        p = process_photo(upload("gps.png", data, "image/png"), strip_location=True)
        assert not reopen(p.content).getexif().get_ifd(0x8825)

    def test_it_reads_when_the_photo_was_taken(self):
        p = process_photo(upload("t.jpg", image_bytes(exif=exif_with())), strip_location=False)
        assert p.taken_at.isoformat() == "2026-03-01T09:15:00+08:00"

    def test_the_thumbnail_is_small_and_carries_no_metadata(self):
        p = process_photo(upload("big.jpg", image_bytes(size=(2000, 1500), exif=exif_with(gps=True))),
                          strip_location=False)
        thumb = reopen(p.thumbnail)
        assert thumb.format == "JPEG" and max(thumb.size) == THUMB_MAX_EDGE
        assert not thumb.getexif()

    def test_it_downsizes_huge_photos(self):
        p = process_photo(upload("huge.jpg", image_bytes(size=(4000, 3000))), strip_location=False)
        assert (p.width, p.height) == (2560, 1920)


class PhotoLimitsBeforeDecodingTests:
    """Count and pixel limits are judged from headers: nothing is decoded for a refused request."""

    @pytest.fixture
    def decodes(self, monkeypatch):
        calls = []
        real = ImageFile.ImageFile.load

        def spy(image):
            calls.append(image.size)
            return real(image)

        monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
        return calls

    def test_too_many_photos_are_refused_before_any_is_decoded(self, decodes):
        with pytest.raises(ValidationError) as exc:
            process_photos([upload(f"{i}.jpg") for i in range(MAX_PHOTOS_PER_UPLOAD + 1)], strip_location=False)
        assert exc.value.code == "too_many" and decodes == []

    def test_one_photo_over_the_pixel_limit_stops_the_request_before_any_decoding(self, decodes, settings):
        from tests.spreadsheets.corpus import png_header_only

        files = [upload("ok.jpg"), upload("giant.png", png_header_only(8000, 7000), "image/png")]
        with pytest.raises(ValidationError) as exc:
            process_photos(files, strip_location=False)
        assert "giant.png" in exc.value.messages[0] and "50" in exc.value.messages[0]
        assert decodes == []

    def test_the_pixel_limit_is_a_setting_and_pillow_enforces_it_too(self, settings):
        from inspections.photos import max_pixels

        settings.PHOTO_MAX_MEGAPIXELS = 1
        with pytest.raises(ValidationError) as exc:
            process_photo(upload("two-mp.jpg", image_bytes(size=(2000, 1000))), strip_location=False)
        assert exc.value.code == "pixels" and max_pixels() == 1_000_000
        assert Image.MAX_IMAGE_PIXELS == 1_000_000

    def test_the_capture_form_counts_both_inputs_before_decoding(self, decodes, db):
        from inspections.forms import PhotoFormMixin
        from django import forms as django_forms
        from inspections.forms import PhotosField

        class TwoInputs(PhotoFormMixin, django_forms.Form):
            photo_fields = ("photos", "album_photos")
            photos = PhotosField(required=False)
            album_photos = PhotosField(required=False)

        from django.utils.datastructures import MultiValueDict

        files = MultiValueDict({"photos": [upload(f"c{i}.jpg") for i in range(5)],
                                "album_photos": [upload(f"a{i}.jpg") for i in range(5)]})
        form = TwoInputs(data={}, files=files)
        assert not form.is_valid()
        assert "一次最多上传 9 张照片。" in form.errors["photos"]
        assert decodes == []
