"""Protocol peers on loopback for the channels' tests: a real SMTP server (aiosmtpd), a
stand-in for a Twilio-compatible SMS provider that answers as it is told (2xx, 4xx with an
error code, 5xx, slowly, or not at all), and a Web Push service."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller


class Inbox:
    """What the loopback SMTP server received. `refuse` lists recipients it answers 550."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self.arrived_at: list[float] = []  # time.perf_counter() of each message (benchmarks)
        self.refuse: set[str] = set()

    async def handle_RCPT(  # noqa: N802 - aiosmtpd API
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        self.arrived_at.append(time.perf_counter())
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@dataclass
class Answer:
    status: int = 201
    code: int | None = None
    delay: float = 0.0
    # Called once the request is recorded, before the answer goes out (e.g. to kill the sender).
    then: Callable[[], object] | None = None


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
                record["at"] = repr(time.perf_counter())  # for benchmarks
                provider.requests.append(record)
                if answer.then is not None:
                    answer.then()
                time.sleep(answer.delay)  # the provider being slow, not the test waiting on a clock
                body: dict[str, object] = (
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


def _b64(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass
class PushService:
    """A push service endpoint that checks what a real one checks — the VAPID JWT's ES256
    signature, audience and expiry (RFC 8292) — and, playing the subscribed browser, decrypts
    the aes128gcm payload with the subscription's private key (RFC 8291)."""

    statuses: list[int] = field(default_factory=list)
    received: list[dict[str, object]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        self.private_key = ec.generate_private_key(ec.SECP256R1())
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.p256dh = base64.urlsafe_b64encode(point).decode().rstrip("=")
        self.auth_secret = b"0123456789abcdef"
        self.auth = base64.urlsafe_b64encode(self.auth_secret).decode().rstrip("=")

    def start(self) -> None:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                record: dict[str, object] = {"path": self.path, "ttl": self.headers.get("TTL")}
                record["vapid"] = service.check_vapid(self.headers.get("Authorization", ""), self.headers["Host"])
                record["payload"] = service.decrypt(body, self.headers.get("Content-Encoding", ""))
                service.received.append(record)
                status = service.statuses.pop(0) if service.statuses else 201
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def endpoint(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/push/device-1"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def check_vapid(self, header: str, host: str) -> str:
        """ "ok", or what is wrong with the request's VAPID authorisation."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        parts = dict(p.strip().split("=", 1) for p in header.removeprefix("vapid ").split(","))
        token, key = parts.get("t", ""), parts.get("k", "")
        head, claims, signature = token.split(".")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _b64(key))
        raw = _b64(signature)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        try:
            public.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return "bad signature"
        data = json.loads(_b64(claims))
        if data.get("aud") != f"http://{host}":
            return f"wrong audience {data.get('aud')}"
        if int(data.get("exp", 0)) <= time.time() or not str(data.get("sub", "")).startswith("mailto:"):
            return "expired or no subject"
        return "ok"

    def decrypt(self, body: bytes, encoding: str) -> dict[str, object]:
        import http_ece

        plain = http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth_secret, version=encoding)
        result: dict[str, object] = json.loads(plain)
        return result
