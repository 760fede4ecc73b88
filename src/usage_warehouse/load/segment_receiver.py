"""A local stand-in for Segment's tracking API that writes what it receives as an archive would.

Segment's libraries post to ``<host>/v1/batch`` (and the single-call endpoints ``/v1/track``,
``/v1/page``, ...), gzip-encoded or not. The receiver does what Segment's servers do to each
message before an archive destination writes it: stamps ``receivedAt``, moves the client's
``timestamp`` to ``originalTimestamp`` and sets ``timestamp`` to the skew-corrected time
``receivedAt - (sentAt - originalTimestamp)``, takes ``sentAt`` from the batch and
``context.ip`` from the connection when missing, and drops the write key. Each message becomes
one JSON line of the capture file, which the loader lands like any Segment archive file.

Use it in tests and local development (``with SegmentReceiver(path) as receiver:
analytics.host = receiver.url``); it is not a production collector.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

ENDPOINTS = frozenset({"batch", "import", "track", "page", "screen", "identify", "group", "alias"})
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def enrich(message: dict[str, Any], *, received_at: datetime, batch: dict[str, Any], client_ip: str) -> dict[str, Any]:
    """One message as Segment would archive it (see the module doc)."""
    out = {key: value for key, value in message.items() if key != "writeKey"}
    out["receivedAt"] = _iso(received_at)
    if "sentAt" not in out and "sentAt" in batch:
        out["sentAt"] = batch["sentAt"]
    if "originalTimestamp" not in out and "timestamp" in out:
        out["originalTimestamp"] = out["timestamp"]
    original, sent = _parse_time(out.get("originalTimestamp")), _parse_time(out.get("sentAt"))
    out["timestamp"] = _iso(received_at - (sent - original)) if original and sent else _iso(received_at)
    context = out.setdefault("context", {})
    if isinstance(context, dict):
        context.setdefault("ip", client_ip)
    return out


class SegmentReceiver:
    """An HTTP server on 127.0.0.1 (a free port by default) appending every received message to ``capture``."""

    def __init__(self, capture: str | Path, *, port: int = 0, clock: Clock = _now) -> None:
        self.capture = Path(capture)
        self.clock = clock
        self.messages = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, name="segment-receiver", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> SegmentReceiver:
        self.capture.parent.mkdir(parents=True, exist_ok=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> SegmentReceiver:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def receive(self, body: dict[str, Any], client_ip: str) -> int:
        """Archive the messages of one request body; returns how many."""
        received_at = self.clock()
        batch = body.get("batch")
        messages = batch if isinstance(batch, list) else [body]
        lines = [
            json.dumps(enrich(m, received_at=received_at, batch=body, client_ip=client_ip))
            for m in messages
            if isinstance(m, dict)
        ]
        with self._lock, self.capture.open("a", encoding="utf-8") as out:
            out.writelines(f"{line}\n" for line in lines)
            self.messages += len(lines)
        return len(lines)


def _handler(receiver: SegmentReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            endpoint = self.path.split("?")[0].rstrip("/").removeprefix("/v1/")
            if endpoint not in ENDPOINTS:
                self._answer(404, {"code": "not_found", "message": f"no endpoint {self.path}"})
                return
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            try:
                if self.headers.get("Content-Encoding", "").lower() == "gzip":
                    raw = gzip.decompress(raw)
                body = json.loads(raw)
                if not isinstance(body, dict):
                    raise ValueError("the body is not a JSON object")
            except (OSError, ValueError) as problem:
                self._answer(400, {"code": "invalid_request", "message": f"unreadable body: {problem}"})
                return
            if endpoint not in ("batch", "import"):
                body.setdefault("type", endpoint)
            receiver.receive(body, self.client_address[0])
            self._answer(200, {"success": True})

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: requests are not logged."""

    return Handler
