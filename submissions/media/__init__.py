"""The media checks and work on a clip, with PyAV (FFmpeg).

containers.py  which container a file is, from its own bytes, and where its structure says it ends
probe.py       is an upload a real, acceptable clip? probe_clip, ClipInfo, ClipRejected and its messages
thumbnail.py   clip_thumbnail: one frame, upright, as a JPEG
preview.py     the browser-playable preview: browser_plays, remux_preview, transcode_preview, preview_write
pipeline.py    the media work on a received clip, run by Celery: technical flags, thumbnail, the first preview
               (a remux, or a quick 480p transcode), then the 720p one after a quick one

Each module imports only from those above it."""
