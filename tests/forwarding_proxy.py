"""A reverse proxy on loopback that does what the README's nginx lines do, for the production
recipe's test: each request goes on to the app with ``X-Forwarded-For`` (the client's own
header, if any, then the address the client connected from), ``X-Forwarded-Proto: https`` and
``Host``. Clients tell themselves apart by connecting from different loopback addresses
(127.0.0.2, 127.0.0.3, ...), as different people reach a real proxy from different addresses.
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"}


def _handler_for(upstream_port: int) -> type[BaseHTTPRequestHandler]:
    class Forward(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {
                name: value
                for name, value in self.headers.items()
                if name.lower() not in _HOP_BY_HOP and name.lower() != "x-forwarded-for"
            }
            # nginx's $proxy_add_x_forwarded_for: what the client sent, then its address.
            claimed = self.headers.get("X-Forwarded-For")
            peer = self.client_address[0]
            headers["X-Forwarded-For"] = f"{claimed}, {peer}" if claimed else peer
            headers["X-Forwarded-Proto"] = "https"
            upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
            try:
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                content = response.read()
            finally:
                upstream.close()
            self.send_response(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_HEAD = _forward  # noqa: N815  (http.server's names)

        def log_message(self, format, *args) -> None:  # noqa: A002
            pass

    return Forward


class ForwardingProxy:
    """The proxy, serving from a thread on 127.0.0.1 (every loopback address reaches it)."""

    def __init__(self, upstream_port: int):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(upstream_port))
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ForwardingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class Response:
    """What a test reads of a response, named as Flask's test client names it."""

    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status_code, self.headers, self.data = status, headers, body
        self.text = body.decode("utf-8", errors="replace")
        self.location = headers.get("Location")


class ProxiedClient:
    """A browser behind the proxy, connecting from ``address``: keeps its cookies (Secure ones
    too: the proxy is its https), follows nothing by itself. ``get``/``post`` as Flask's test
    client, so the questionnaire's test driver (``tests.intake.patient.Patient``) can use it."""

    def __init__(self, proxy_port: int, address: str):
        self.proxy_port, self.address = proxy_port, address
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.proxy_port, timeout=30, source_address=(self.address, 0)
        )
        sent = {"Host": "screening.example-clinic.com", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            raw = connection.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            connection.close()
        for cookie in raw.headers.get_all("Set-Cookie") or ():
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response

    def get(self, path: str, headers=None) -> Response:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, data=None, json_body: bytes | None = None, headers=None):
        if json_body is not None:
            return self.request(
                "POST", path, json_body, {"Content-Type": "application/json", **(headers or {})}
            )
        body = urlencode(data or {}, doseq=True).encode()
        content = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request("POST", path, body, {**content, **(headers or {})})
