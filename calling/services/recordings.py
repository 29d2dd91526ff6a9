"""Playing a call's recording: byte ranges from the phone system or the center's storage,
every playback logged.

The audio is where the `Recording` says (else the call's `recording_url`, as phone systems
posting to the CTI ingest leave it): an http(s) address is fetched through the phone
system's adapter, anything else is a path in the default file storage (under
`recordings/`). A browser's player asks for ranges as the user seeks; one playback is
logged when the player starts from the beginning (no range, or a range from byte 0), not
once per range.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage

from leads.models import Call

from ..models import Recording, RecordingPlayback
from .phone import PhoneSystemError, phone_system

LOCAL_PREFIX = "recordings/"
CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")

CONTENT_TYPES = {
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".m4a": "audio/mp4",
    ".webm": "audio/webm",
}


class RecordingUnavailable(Exception):
    """No recording, or it cannot be read now (`status` says what to answer)."""

    def __init__(self, message: str, status: int = 404):
        super().__init__(message)
        self.status = status


@dataclass
class Stream:
    status: int
    headers: dict[str, str]
    chunks: Iterator[bytes]


def recording_location(call: Call) -> str:
    recording = Recording.objects.filter(call=call, purged_at__isnull=True).first()
    if recording is not None and recording.location:
        return recording.location
    return call.recording_url or ""


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The (first, last) byte of a single `bytes=` range; None for no range; ValueError for
    one that cannot be served."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match or not (match.group(1) or match.group(2)):
        raise ValueError(header)
    first, last = match.group(1), match.group(2)
    if first == "":
        length = int(last)
        if length == 0:
            raise ValueError(header)
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise ValueError(header)
    return start, end


def _local(location: str, range_header: str) -> Stream:
    if not location.startswith(LOCAL_PREFIX) or ".." in location:
        raise RecordingUnavailable("not a recording path")
    try:
        if not default_storage.exists(location):
            raise RecordingUnavailable("missing file")
        size = default_storage.size(location)
    except SuspiciousFileOperation as error:
        raise RecordingUnavailable("not a recording path") from error
    suffix = location[location.rfind(".") :].lower() if "." in location else ""
    headers = {"Accept-Ranges": "bytes", "Content-Type": CONTENT_TYPES.get(suffix, "audio/mpeg")}
    try:
        wanted = parse_range(range_header, size)
    except ValueError as error:
        raise RecordingUnavailable(f"bytes */{size}", status=416) from error
    first, last = wanted if wanted else (0, size - 1)
    length = max(0, last - first + 1)
    headers["Content-Length"] = str(length)
    if wanted:
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"

    def chunks() -> Iterator[bytes]:
        with default_storage.open(location, "rb") as handle:
            handle.seek(first)
            left = length
            while left > 0:
                block = handle.read(min(CHUNK, left))
                if not block:
                    break
                left -= len(block)
                yield block

    return Stream(status=206 if wanted else 200, headers=headers, chunks=chunks())


def recording_open(*, call: Call, range_header: str = "") -> Stream:
    """The recording's bytes (`range_header` as the browser sent it). The caller has found
    `call` through `calling.access.visible_calls`."""
    location = recording_location(call)
    if not location:
        raise RecordingUnavailable("no recording")
    if location.startswith(("http://", "https://")):
        try:
            upstream = phone_system().fetch_recording(location, range_header=range_header)
        except PhoneSystemError as error:
            raise RecordingUnavailable(str(error), status=502) from error
        headers = dict(upstream.headers)
        headers.setdefault("Content-Type", "audio/mpeg")
        return Stream(status=upstream.status, headers=headers, chunks=upstream.chunks)
    return _local(location, range_header)


def starts_playback(range_header: str) -> bool:
    """A request that starts a playback (not a seek within one)."""
    header = (range_header or "").strip()
    return not header or header.startswith("bytes=0-")


def playback_log(*, call: Call, user, ip: str | None = None) -> RecordingPlayback:
    return RecordingPlayback.objects.create(call=call, user=user, ip=ip)
