"""A small local HTTP server that plays the phone system, for the tests.

It answers an originate request (any method, `/originate?...`) with a call id of its own
(`fake-1`, `fake-2`, …) and, when it knows where to post (`events_url`), then posts that
call's events, signed like a real one: ringing, answered, and after `talk_seconds` hung up
with the recording's address on this server (`/recordings/<call id>.wav`, served with
byte ranges).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from urllib.request import Request, urlopen

from django.utils import timezone

from calling.services.phone import sign

#: 0.1 s of silence as a WAV file (8 kHz, 8 bit, mono).
WAV = (
    b"RIFF" + (36 + 800).to_bytes(4, "little") + b"WAVEfmt " + (16).to_bytes(4, "little")
    + (1).to_bytes(2, "little") + (1).to_bytes(2, "little") + (8000).to_bytes(4, "little")
    + (8000).to_bytes(4, "little") + (1).to_bytes(2, "little") + (8).to_bytes(2, "little")
    + b"data" + (800).to_bytes(4, "little") + bytes([128]) * 800
)  # fmt: skip


class FakePhoneSystem:
    def __init__(self, *, secret: str = "", events_url: str = "", talk_seconds: float = 1.0):
        self.secret = secret
        self.events_url = events_url
        self.talk_seconds = talk_seconds
        self.originated: list[dict] = []
        self.posted: list[tuple[dict, int]] = []
        self.recording_requests: list[dict] = []
        self.refuse = False
        self._count = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _originate(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                with fake._lock:
                    fake._count += 1
                    call_id = f"fake-{fake._count}"
                fake.originated.append(
                    {
                        "method": self.command,
                        "query": query,
                        "body": json.loads(body) if body else None,
                        "headers": dict(self.headers),
                        "call_id": call_id,
                    }
                )
                if fake.refuse:
                    self.send_response(503)
                    self.end_headers()
                    return
                answer = json.dumps({"call_id": call_id}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                if fake.events_url:
                    reference = query.get("ref") or (json.loads(body) if body else {}).get(
                        "call_id", ""
                    )
                    extension = query.get("ext", "")
                    number = query.get("to", "")
                    thread = threading.Thread(
                        target=fake.play_call,
                        args=(call_id, reference, extension, number),
                        daemon=True,
                    )
                    fake._threads.append(thread)
                    thread.start()

            def _recording(self):
                fake.recording_requests.append({"path": self.path, "headers": dict(self.headers)})
                size = len(WAV)
                wanted = self.headers.get("Range", "")
                if wanted.startswith("bytes="):
                    first, _dash, last = wanted[6:].partition("-")
                    start = int(first or 0)
                    end = int(last) if last else size - 1
                    part = WAV[start : end + 1]
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
                else:
                    part = WAV
                    self.send_response(200)
                self.send_header("Content-Type", "audio/wav")
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", str(len(part)))
                self.end_headers()
                self.wfile.write(part)

            def do_GET(self):
                if self.path.startswith("/recordings/"):
                    self._recording()
                else:
                    self._originate()

            def do_POST(self):
                self._originate()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._serving = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakePhoneSystem:
        self._serving.start()
        return self

    def __exit__(self, *exc) -> None:
        for thread in self._threads:
            thread.join(timeout=10)
        self.server.shutdown()
        self.server.server_close()

    def event(self, call_id: str, kind: str, **fields) -> dict:
        return {"call_id": call_id, "event": kind, "at": timezone.now().isoformat(), **fields}

    def post(self, payload: dict) -> int:
        body = json.dumps(payload).encode()
        request = Request(  # noqa: S310
            self.events_url,
            data=body,
            headers={"Content-Type": "application/json", "X-Signature": sign(self.secret, body)},
            method="POST",
        )
        with urlopen(request, timeout=10) as response:  # noqa: S310
            status = response.status
        self.posted.append((payload, status))
        return status

    def play_call(self, call_id: str, reference: str, extension: str, number: str) -> None:
        common = {"reference": reference, "extension": extension, "number": number}
        time.sleep(0.3)
        self.post(self.event(call_id, "ringing", **common))
        time.sleep(0.3)
        self.post(self.event(call_id, "answered", **common))
        time.sleep(self.talk_seconds)
        recording = f"{self.url}/recordings/{call_id}.wav"
        self.post(self.event(call_id, "hangup", recording_url=recording, **common))
