"""The still the entrant sees: one frame of the clip, upright, as a JPEG."""

from __future__ import annotations

import os
from fractions import Fraction

from django.utils.translation import gettext_lazy as _

from .probe import MAX_PACKETS_FOR_FIRST_FRAME, ClipRejected, damaged, is_motion_video, upright_rotation

__all__ = ["THUMBNAIL_WIDTHS", "clip_thumbnail", "thumbnail_variant", "thumbnail_variant_name"]


def clip_thumbnail(path, *, at_seconds: float = 1.0, max_size: int = 640, quality: int = 85) -> bytes:
    """JPEG bytes of the frame shown at ``at_seconds`` (fitting in ``max_size`` pixels).

    The frame is turned upright according to the stream's display matrix. Raises
    ClipRejected ("damaged or incomplete") if no frame can be decoded.
    """
    import io

    import av

    try:
        with av.open(os.fspath(path), mode="r", metadata_errors="replace") as container:
            videos = [stream for stream in container.streams.video if is_motion_video(stream)]
            if not videos:
                raise ClipRejected(_("The file has no video."))
            video = videos[0]
            image = _frame_image_at(container, video, max(float(at_seconds), 0.0), max_size=max_size)
    except (av.error.FFmpegError, UnicodeDecodeError) as error:
        raise damaged() from error
    if image is None:
        raise damaged()
    image.thumbnail((max_size, max_size))
    output = io.BytesIO()
    image.convert("RGB").save(output, format="JPEG", quality=quality, optimize=True)
    return output.getvalue()


def _frame_image_at(container, video, at_seconds: float, *, max_size: int | None = None):
    """A Pillow image of the first frame at or after ``at_seconds`` (or the last one before)."""
    start = video.start_time or 0
    if at_seconds > 0:
        container.seek(start + int(at_seconds / video.time_base), backward=True, stream=video)
    wanted = start * video.time_base + Fraction(at_seconds).limit_denominator(1000)
    chosen = None
    for count, frame in enumerate(container.decode(video), start=1):
        chosen = frame
        if frame.pts is None or frame.pts * video.time_base >= wanted:
            break
        if count >= 10 * MAX_PACKETS_FOR_FIRST_FRAME:  # a very long GOP: good enough
            break
    if chosen is None:
        return None
    width, height = chosen.width, chosen.height
    if max_size and max(width, height) > max_size:
        # Scaled in the same pass that converts to RGB: a third of the time of converting, then resizing 1080p.
        scale = max_size / max(width, height)
        width, height = max(1, round(width * scale)), max(1, round(height * scale))
    image = chosen.to_image(width=width, height=height, interpolation="AREA")
    rotation = upright_rotation(video, chosen)
    if rotation:
        # Pillow turns counter-clockwise.
        image = image.rotate(-rotation, expand=True)
    return image


# Narrower copies of a stored thumbnail, for where it is shown small: the screening list (80 CSS pixels wide,
# twice that on a sharp screen), My clips (160) and the gallery's cards on phones (480). Made from the stored
# one at the first request and kept beside it; a thumbnail made again makes them again.
THUMBNAIL_WIDTHS = (160, 320, 480)
THUMBNAIL_VARIANT_QUALITY = 75


def thumbnail_variant_name(name, width: int) -> str:
    """Where the copy of the thumbnail ``name`` at ``width`` pixels is kept, beside it."""
    return f"{os.path.splitext(name)[0]}.{width}w.jpg"


def thumbnail_variant(storage, name, width: int) -> str:
    """The storage name of the thumbnail ``name`` at most ``width`` pixels wide, made if missing or stale."""
    from PIL import Image

    if width not in THUMBNAIL_WIDTHS:
        raise ValueError(f"no thumbnail variant {width} pixels wide")
    variant = thumbnail_variant_name(name, width)
    source, target = storage.path(name), storage.path(variant)
    try:
        if os.stat(target).st_mtime >= os.stat(source).st_mtime:
            return variant
    except FileNotFoundError:
        pass
    with Image.open(source) as image:
        image.thumbnail((width, width * 4))
        partial = f"{target}.{os.getpid()}.partial"
        image.convert("RGB").save(partial, format="JPEG", quality=THUMBNAIL_VARIANT_QUALITY, optimize=True)
    os.replace(partial, target)
    return variant
