"""Recognise a clip's container from the file's own bytes, and where its structure says the file ends.

Cheap whatever the size: the first few kilobytes, and for MP4/MOV the top-level box headers only. What
FFmpeg makes of the file is probe.py's business."""

from __future__ import annotations

__all__ = ["CONTAINER_DEMUXERS"]

# Short container name -> FFmpeg demuxer alias that the file's demuxer must list.
CONTAINER_DEMUXERS: dict[str, str] = {
    "mp4": "mp4",
    "mov": "mov",
    "3gp": "3gp",
    "avi": "avi",
    "mkv": "matroska",
    "webm": "webm",
}

# Box types an MP4/MOV file may start with (bytes 4..8).
_MOV_FIRST_BOXES = frozenset({b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"


def read_head(path, size=4096) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def looks_like_video_container(head: bytes) -> bool:
    """Cheap signature check, to tell a damaged video from a non-video file."""
    if len(head) >= 8 and head[4:8] in _MOV_FIRST_BOXES:
        return True
    if head.startswith(_EBML_MAGIC):
        return True
    return head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"AVIX")


def _matroska_doctype(head: bytes) -> str:
    """DocType of an EBML header ("webm", "matroska"), or "" if not found."""
    index = head.find(b"\x42\x82")
    if index < 0 or index + 3 > len(head):
        return ""
    length_byte = head[index + 2]
    if not length_byte & 0x80:  # only one-byte sizes, which is what muxers write
        return ""
    length = length_byte & 0x7F
    return head[index + 3 : index + 3 + length].decode("ascii", "replace").strip("\x00")


def brand_name(container, head: bytes, aliases) -> str:
    """Short name the file itself claims to be, "" if unknown."""
    if "mov" in aliases or "mp4" in aliases:
        brand = ""
        try:
            brand = str(container.metadata.get("major_brand", ""))
        except Exception:  # noqa: BLE001 - metadata is a nicety only
            brand = ""
        if not brand and len(head) >= 12 and head[4:8] == b"ftyp":
            brand = head[8:12].decode("ascii", "replace")
        brand = brand.strip().lower()
        if brand == "qt":
            return "mov"
        if brand.startswith("3g"):
            return "3gp"
        return "mp4" if brand else ""
    if "matroska" in aliases or "webm" in aliases:
        doctype = _matroska_doctype(head)
        if doctype == "webm":
            return "webm"
        if doctype == "matroska":
            return "mkv"
    return ""


def name_matches(name: str, aliases, brand: str) -> bool:
    if CONTAINER_DEMUXERS[name] not in aliases:
        return False
    # FFmpeg has a single "matroska,webm" demuxer; a Matroska file only counts as
    # WebM when its EBML DocType says so (a WebM file is also valid Matroska).
    return not (name == "webm" and brand == "mkv")


def _read_vint(data: bytes, offset: int, *, keep_marker: bool):
    """An EBML variable-length integer at ``offset``: (value, length, all_ones)."""
    if offset >= len(data) or data[offset] == 0:
        return None
    first = data[offset]
    length = 8 - first.bit_length() + 1
    if offset + length > len(data):
        return None
    value = first if keep_marker else first & ((1 << (8 - length)) - 1)
    for byte in data[offset + 1 : offset + length]:
        value = (value << 8) | byte
    all_ones = not keep_marker and value == (1 << (7 * length)) - 1
    return value, length, all_ones


def _matroska_declared_end(head: bytes) -> int | None:
    """Where the Matroska Segment says it ends (None when unknown/unparsable)."""
    offset = 0
    for expected_id in (0x1A45DFA3, 0x18538067):  # EBML header, then Segment
        element_id = _read_vint(head, offset, keep_marker=True)
        if element_id is None or element_id[0] != expected_id:
            return None
        offset += element_id[1]
        element_size = _read_vint(head, offset, keep_marker=False)
        if element_size is None:
            return None
        value, length, unknown = element_size
        offset += length
        if expected_id == 0x18538067:
            return None if unknown else offset + value
        offset += value
    return None


def _mov_declared_end(path, size: int, max_boxes: int = 100_000) -> int:
    """Where the last top-level MP4/MOV box says it ends (walking box headers only)."""
    offset = 0
    with open(path, "rb") as handle:
        for _ in range(max_boxes):
            if offset + 8 > size:
                break
            handle.seek(offset)
            header = handle.read(16)
            box_size = int.from_bytes(header[0:4], "big")
            if box_size == 1 and len(header) >= 16:
                box_size = int.from_bytes(header[8:16], "big")
            elif box_size == 0:  # the box runs to the end of the file
                return size
            if box_size < 8:
                return size  # nonsense: leave it to FFmpeg
            offset += box_size
            if offset > size:
                return offset
    return offset


def container_declared_end(path, head: bytes, size: int, aliases) -> int | None:
    """The byte length the container structure announces, when cheaply known."""
    if "mov" in aliases or "mp4" in aliases:
        return _mov_declared_end(path, size)
    if "matroska" in aliases or "webm" in aliases:
        return _matroska_declared_end(head)
    if "avi" in aliases and head[:4] == b"RIFF":
        return 8 + int.from_bytes(head[4:8], "little")
    return None
