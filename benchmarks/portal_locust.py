"""The simulated residents of ``benchmarks.portal_load`` (``locust -f`` this file).

Kept apart from the driver because importing locust monkey-patches the standard library
with gevent: nothing that measures Django (``benchmarks.portal_cpu``) may import it.

Two residents, both starting each visit in a fresh browser session (look-up form, look-up,
case page, the evidence image the case page shows):

- ``StressResident`` waits 1-3 s after a whole visit and starts again: 200 of them offer
  about 400 requests a second, more than two cores can serve. It finds the saturation
  throughput and the latency under overload.
- ``ReadingResident`` types the number and plate (5-15 s) before looking up and then
  reads the case page (20-60 s) before the next visit: why these times, in docs/portal.md.

``FastHttpUser`` (geventhttpclient) costs the load generator a fraction of the CPU of
``HttpUser`` (requests) on the same two cores as the server.
"""

from __future__ import annotations

import json
import random
import time
from itertools import cycle
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from locust import FastHttpUser, between, task  # patches time.sleep to yield to gevent

CREDS = Path(__file__).resolve().parents[1] / "var" / "bench" / "portal" / "credentials.json"
_creds = cycle(json.loads(CREDS.read_text()) if CREDS.exists() else [{}])
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class _Resident(FastHttpUser):
    abstract = True
    typing_s: tuple[float, float] = (0, 0)
    reading_s: tuple[float, float] = (0, 0)

    def on_start(self) -> None:
        self.cred: dict[str, str] = next(_creds)

    def _csrf_token(self) -> str:
        return next((c.value or "" for c in self.client.cookiejar if c.name == "csrftoken"), "")

    @task
    def visit(self) -> None:
        self.client.cookiejar.clear()  # a new browser session each visit
        form = self.client.get("/portal/", name="1 look-up form")
        token = self._csrf_token()
        if form.status_code != 200 or not token:
            return  # counted as the form's failure; a POST without a token proves nothing
        time.sleep(random.uniform(*self.typing_s))
        body = urlencode({"csrfmiddlewaretoken": token, **self.cred})
        response: Any
        with self.client.post(
            "/portal/",
            data=body,
            headers=FORM,
            name="2 look-up",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"look-up answered {response.status_code}")
                return
        with self.client.get("/portal/case/", name="3 case page", catch_response=True) as response:
            if self.cred["citation_number"][:4] not in (response.text or ""):
                response.failure("case page without the notice")
        # The case page's <img> asks for the photo at once; then the resident reads.
        self.client.get("/portal/case/evidence/entry/", name="4 evidence image")
        time.sleep(random.uniform(*self.reading_s))


class StressResident(_Resident):
    wait_time = between(1, 3)


class ReadingResident(_Resident):
    wait_time = between(0, 0)
    typing_s = (5, 15)
    reading_s = (20, 60)
