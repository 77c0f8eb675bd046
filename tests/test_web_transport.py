"""The dashboard's bounded transport: timeouts, shedding, limits, refusals (issue 14, items 1 and 8)."""

from __future__ import annotations

import http.client
import json
import socket
import time
from zoneinfo import ZoneInfo

import pytest

from breathcue.config import WebConfig
from breathcue.web import server
from breathcue.web.transport import Limits, content_length, find_head_end

SMALL = Limits(max_connections=4, max_streams=1, workers=2, head_timeout=0.3, idle_timeout=0.6, write_timeout=1.0)


def make(limits: Limits = SMALL) -> server.DashboardSink:
    return server.DashboardSink(
        WebConfig(enabled=True, host="127.0.0.1", port=0, token=""),
        lambda name, **args: None,
        status={"t": 0.0, "state": "starting"},
        rate_hz=25.0,
        pixels=4,
        patterns=["box"],
        tz=ZoneInfo("UTC"),
        limits=limits,
    )


@pytest.fixture
def dash():
    sink = make()
    yield sink
    sink.close()


def connect(sink) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", sink.port), timeout=3)
    return s


def answer(s: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    return data


def wait_until(check, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_keep_alive_answers_several_requests_on_one_connection(dash):
    conn = http.client.HTTPConnection("127.0.0.1", dash.port, timeout=3)
    for _ in range(3):
        conn.request("GET", "/api/status")
        got = conn.getresponse()
        assert got.status == 200 and json.loads(got.read())["state"] == "starting"
    assert dash.httpd.connections() == 1
    conn.close()


def test_pipelined_requests_are_answered_in_order(dash):
    s = connect(dash)
    s.sendall(b"GET /api/status HTTP/1.1\r\nHost: localhost\r\n\r\nGET /api/info HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    data = answer(s)
    assert data.count(b"HTTP/1.1 200") == 2 and data.index(b'"state"') < data.index(b'"pixels"')


def test_an_idle_connection_is_closed_after_the_idle_timeout(dash):
    s = connect(dash)
    wait_until(lambda: dash.httpd.connections() == 1)
    start = time.monotonic()
    assert answer(s) == b""  # closed without a word
    assert 0.4 < time.monotonic() - start < 2.5
    wait_until(lambda: dash.httpd.connections() == 0)


def test_a_request_trickling_in_gets_408_at_its_deadline(dash):
    s = connect(dash)
    s.sendall(b"GET /api/status HTTP/1.1\r\n")
    time.sleep(0.15)
    s.sendall(b"Host: localhost\r\n")  # bytes keep coming, but the deadline counts from the first
    assert answer(s).startswith(b"HTTP/1.1 408")


def test_past_the_bound_the_oldest_idle_connection_is_shed():
    dash = make(Limits(max_connections=4, max_streams=1, workers=2, head_timeout=30, idle_timeout=30))
    first = connect(dash)
    wait_until(lambda: dash.httpd.connections() == 1)
    others = [connect(dash) for _ in range(SMALL.max_connections)]
    assert answer(first) == b""  # the oldest went to make room
    wait_until(lambda: dash.httpd.shed == 1 and dash.httpd.connections() == 4)
    conn = http.client.HTTPConnection("127.0.0.1", dash.port, timeout=3)
    conn.request("GET", "/api/info")
    assert conn.getresponse().status == 200  # a new request still gets in
    conn.close()
    for s in others:
        s.close()
    dash.close()


def test_a_second_stream_past_the_bound_gets_503(dash):
    first = http.client.HTTPConnection("127.0.0.1", dash.port, timeout=3)
    first.request("GET", "/api/events")
    stream = first.getresponse()  # kept: dropping it would close the stream
    assert stream.status == 200 and stream.readline() == b"event: status\n"
    second = http.client.HTTPConnection("127.0.0.1", dash.port, timeout=3)
    second.request("GET", "/api/events")
    got = second.getresponse()
    assert got.status == 503 and "too many" in json.loads(got.read())["error"]
    first.close()
    second.close()


def test_a_70_kb_request_line_gets_414(dash):
    s = connect(dash)
    s.sendall(b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n")
    assert answer(s).startswith(b"HTTP/1.1 414")


def test_headers_past_the_bound_get_431(dash):
    s = connect(dash)
    s.sendall(b"GET / HTTP/1.1\r\n" + b"X-Junk: " + b"j" * 20_000 + b"\r\n\r\n")
    assert answer(s).startswith(b"HTTP/1.1 431")


def test_a_2000_deep_json_body_gets_400(dash):
    body = b"[" * 2000 + b"]" * 2000
    conn = http.client.HTTPConnection("127.0.0.1", dash.port, timeout=3)
    conn.request("POST", "/api/command/snooze", body=body[:4000], headers={"Content-Type": "application/json"})
    got = conn.getresponse()
    assert got.status == 400 and "nested" in json.loads(got.read())["error"]
    conn.close()


def test_an_oversized_body_is_refused_and_the_connection_closed(dash):
    s = connect(dash)
    s.sendall(b"POST /api/command/cancel HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
              b"Content-Length: 100000\r\n\r\n" + b"{" * 5000)
    data = answer(s)
    assert data.startswith(b"HTTP/1.1 413") and data.count(b"HTTP/1.1") == 1


def test_limits_fit_the_descriptor_limit(monkeypatch):
    monkeypatch.setattr("resource.getrlimit", lambda which: (200, 200))
    limits = Limits.for_descriptors(reserve=64)
    assert limits.max_connections + limits.max_streams + 64 <= 200


@pytest.mark.parametrize("head, length", [
    (b"POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n", 12),
    (b"GET / HTTP/1.1\r\n\r\n", 0),
    (b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", None),
    (b"POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n", None),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", None),
])
def test_content_length(head, length):
    assert content_length(head) == length


def test_find_head_end_takes_bare_newlines_too():
    assert find_head_end(bytearray(b"GET / HTTP/1.0\n\nrest"), 100) == 16
    assert find_head_end(bytearray(b"GET / HTTP/1.1\r\nA: b\r\n"), 100) == -1
