"""Protocol peers on loopback for the channels' tests: a stand-in for a Twilio-compatible SMS
provider that answers as it is told (2xx, 4xx with an error code, 5xx, slowly, or not at all)."""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Answer:
    status: int = 201
    code: int | None = None
    delay: float = 0.0


@dataclass
class SmsProvider:
    """Answers the queued `answers` in turn (then 201), and records every request."""

    answers: list[Answer] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def delivered(self) -> list[dict[str, str]]:
        return [r for r in self.requests if r["answered"] == "201"]

    def start(self) -> None:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                user = base64.b64decode(self.headers.get("Authorization", "Basic ")[6:]).decode()
                answer = provider.answers.pop(0) if provider.answers else Answer()
                record = {"path": self.path, "auth": user, **form, "answered": str(answer.status)}
                provider.requests.append(record)
                time.sleep(answer.delay)  # the provider being slow, not the test waiting on a clock
                body = (
                    {"sid": "SM1", "status": "queued"}
                    if answer.status < 300
                    else {"code": answer.code, "status": answer.status}
                )
                payload = json.dumps(body).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up waiting

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """The provider goes down: connections are refused until `start` again."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
