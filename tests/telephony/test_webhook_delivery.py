"""Departments' webhooks against a real local receiver that fails, stalls, recovers."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from fastapi.testclient import TestClient

from telephony.app import create_app
from telephony.runtime import Runtime
from telephony.settings import Settings
from telephony.webhooks import deliver_due, signature
from tests.telephony.conftest import (
    move_case,
    report_pothole,
    run_at_once,
)
from workorders import outbox
from workorders.department_api import PREFIX, key_hash
from workorders.models import WorkOrderStatus


class Receiver:
    """A department's endpoint on 127.0.0.1: answers from a script, then 200."""

    def __init__(self, script: list[str], *, answer_seconds: float = 0.0) -> None:
        self.script = list(script)  # "fail" (500) or "stall" (answers too late)
        self.received: list[tuple[dict[str, str], bytes, int]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                action = receiver.script.pop(0) if receiver.script else "ok"
                code = 500 if action == "fail" else 200
                # Recorded as it arrives: a stalled answer was still received.
                receiver.received.append((dict(self.headers), body, code))
                if action == "stall":
                    time.sleep(0.6)
                time.sleep(answer_seconds)
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/hooks"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(params=["sqlite", "postgresql"])
def line(request: pytest.FixtureRequest) -> Runtime:
    name = "runtime" if request.param == "sqlite" else "postgres_runtime"
    found: Runtime = request.getfixturevalue(name)
    return found


def test_events_survive_a_failing_stalling_receiver_and_arrive_in_order(
    line: Runtime,
) -> None:
    department = line.router.route("REQPOTHL").department_code
    with Receiver(["fail", "fail", "stall"]) as receiver:
        with line.sessions() as session:
            sub_id, secret = outbox.subscribe(
                session,
                department_code=department,
                url=receiver.url,
                events=list(outbox.EVENT_TYPES),
            )
        case = report_pothole(line, "1420 Elm Street")
        move_case(line, case, WorkOrderStatus.IN_PROGRESS)
        move_case(line, case, WorkOrderStatus.RESOLVED)

        # An hour and more of the receiver's trouble, in ten-minute steps.
        now = datetime.now(UTC)
        with httpx.Client() as client:
            for _ in range(12):
                deliver_due(line.sessions, client, now=now, timeout_seconds=0.3)
                now += timedelta(minutes=10)

    accepted = [(h, json.loads(b)) for h, b, code in receiver.received if code == 200]
    # At least once: a stalled answer may have been taken and is sent again.
    order: list[tuple[str, str]] = []
    for headers, payload in accepted:
        step = (headers["X-Cityline-Event"], payload["status"])
        if not order or order[-1] != step:
            order.append(step)
        expected = signature(
            secret, headers["X-Cityline-Timestamp"], json.dumps(payload, sort_keys=True)
        )
        assert hmac.compare_digest(headers["X-Cityline-Signature"], expected)
        assert payload["case_number"] == case
        assert "caller_number" not in payload
    assert order == [
        ("workorder.created", "received"),
        ("workorder.status_changed", "in_progress"),
        ("workorder.status_changed", "resolved"),
    ]
    with line.sessions() as session:
        log = outbox.delivery_log(
            session, subscription_id=sub_id, department_code=department
        )
    assert log is not None and len(log) == 3
    assert all(d.delivered_at is not None for d in log)
    first = log[-1]
    assert first.event_type == "workorder.created"
    assert first.attempts == 4  # 500, 500, timed out, 200


def test_two_workers_send_each_event_once_and_in_order(line: Runtime) -> None:
    # A scaled-out line runs a delivery worker in every process, all reading
    # the same outbox at the same moment.
    department = line.router.route("REQPOTHL").department_code
    with Receiver([], answer_seconds=0.2) as receiver:
        with line.sessions() as session:
            outbox.subscribe(
                session,
                department_code=department,
                url=receiver.url,
                events=list(outbox.EVENT_TYPES),
            )
        cases = [report_pothole(line, f"{n} Elm Street") for n in (100, 200, 300)]
        for case in cases:
            move_case(line, case, WorkOrderStatus.IN_PROGRESS)
        now = datetime.now(UTC)

        def worker() -> None:
            with httpx.Client() as client:
                for _ in range(3):
                    deliver_due(line.sessions, client, now=now)

        run_at_once(worker)

    deliveries = [headers["X-Cityline-Delivery"] for headers, _, _ in receiver.received]
    assert len(deliveries) == 6, deliveries
    assert len(set(deliveries)) == 6, deliveries  # none sent twice
    for case in cases:
        events = [
            (headers["X-Cityline-Event"], json.loads(body)["status"])
            for headers, body, _ in receiver.received
            if json.loads(body)["case_number"] == case
        ]
        assert events == [
            ("workorder.created", "received"),
            ("workorder.status_changed", "in_progress"),
        ]


def test_signature_is_hmac_sha256_over_timestamp_and_body() -> None:
    body = '{"a": 1}'
    expected = hmac.new(b"s3cret", b"1700000000." + body.encode(), hashlib.sha256)
    assert signature("s3cret", "1700000000", body) == "sha256=" + expected.hexdigest()
    assert signature("s3cret", "1700000001", body) != signature(
        "s3cret", "1700000000", body
    )


def test_department_api_lists_moves_and_subscribes_only_its_own(
    settings: Settings, line: Runtime
) -> None:
    own = line.router.route("REQPOTHL").department_code
    other = next(
        r.department_code for r in line.router.routes if r.department_code != own
    )
    with line.sessions() as session:
        outbox.add_department_key(
            session, department_code=own, key_hash=key_hash("k-own")
        )
        outbox.add_department_key(
            session, department_code=other, key_hash=key_hash("k-other")
        )
    first = report_pothole(line, "1420 Elm Street")
    with TestClient(create_app(settings, line)) as api:
        assert api.get(f"{PREFIX}/work-orders").status_code == 401
        mine = {"Authorization": "Bearer k-own"}
        theirs = {"Authorization": "Bearer k-other"}
        listed = api.get(f"{PREFIX}/work-orders", headers=mine).json()
        assert [o["case_number"] for o in listed["work_orders"]] == [first]
        assert (
            api.get(f"{PREFIX}/work-orders", headers=theirs).json()["work_orders"] == []
        )
        second = report_pothole(line, "88 Washington Street")
        since = api.get(
            f"{PREFIX}/work-orders",
            params={"after": listed["next_cursor"]},
            headers=mine,
        ).json()
        assert [o["case_number"] for o in since["work_orders"]] == [second]

        moved = api.post(
            f"{PREFIX}/work-orders/{first}/status",
            json={"status": "in_progress", "note": "crew 4 on the way"},
            headers=mine,
        )
        assert moved.status_code == 200 and moved.json()["status"] == "in_progress"
        garbled = api.post(
            f"{PREFIX}/work-orders/{first}/status",
            json={"status": "resolved", "note": "done\u0000"},
            headers=mine,
        )
        assert garbled.status_code == 422
        refused = api.post(
            f"{PREFIX}/work-orders/{first}/status",
            json={"status": "closed"},
            headers=theirs,
        )
        assert refused.status_code == 403

        made = api.post(
            f"{PREFIX}/webhooks",
            json={
                "url": "http://127.0.0.1:9/nobody-listens",
                "events": ["workorder.created"],
            },
            headers=mine,
        )
        assert made.status_code == 201 and len(made.json()["secret"]) == 64
        sub = made.json()["id"]
        assert api.get(f"{PREFIX}/webhooks/{sub}/deliveries", headers=mine).json() == []
        assert (
            api.get(f"{PREFIX}/webhooks/{sub}/deliveries", headers=theirs).status_code
            == 404
        )
        bad = api.post(
            f"{PREFIX}/webhooks", json={"url": "ftp://x", "events": ["x"]}, headers=mine
        )
        assert bad.status_code == 422
