"""Photos people upload (a dunning notice's delivery, a work order's problem): checked by decoding
them, because the name and the content type the browser sent prove nothing."""
import io

from flask_babel import lazy_gettext as _l

from .errors import ValidationFailed

MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png"}


def check_photo(data: bytes, field="photo") -> str:
    """The photo's file extension, after checking it is a JPEG or PNG picture of at most 5 MB.
    Raises ValidationFailed on `field` otherwise."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationFailed(_l("The photo is larger than 5 MB: send a smaller one."), field=field)
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationFailed(_l("The photo must be a JPEG or PNG picture."), field=field) from None
    if kind not in PHOTO_FORMATS:
        raise ValidationFailed(_l("The photo must be a JPEG or PNG picture."), field=field)
    return PHOTO_FORMATS[kind]
