"""Locust side of bench/load.py (run by it; not meant to be started by hand).

Environment: BENCH_FLOW (a name in load_flows.FLOWS), BENCH_PARAMS (a JSON file: one dict per simulated person),
BENCH_MAX_STEPS (stop the run once this many steps have completed, whatever --run-time says), BENCH_USERS.

The statistics are reset when the last simulated person has finished ``start`` (signing in): the figures describe
the steady state, not the sign-in rush. Failures before that are kept in ``start_failures``.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from pathlib import Path

import gevent
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_flows import FLOWS, FlowError, Http  # noqa: E402

FLOW = FLOWS[os.environ["BENCH_FLOW"]]
PARAMS = json.loads(Path(os.environ["BENCH_PARAMS"]).read_text(encoding="utf-8"))
MAX_STEPS = int(os.environ.get("BENCH_MAX_STEPS", "0")) or None
USERS = int(os.environ["BENCH_USERS"])
_people = itertools.count()
_started = itertools.count(1)
_done = {"steps": 0, "abandoned": 0, "start_failures": 0, "measuring": False}


class Person(FastHttpUser):
    """One simulated person running the flow, with a cookie jar of their own; no think time (a stress test)."""

    wait_time = between(0, 0)
    connection_timeout = 10.0
    network_timeout = 30.0

    def on_start(self):
        self.params = PARAMS[next(_people) % len(PARAMS)]
        self.flow = FLOW()
        self.http = Http(self.client)
        self.started = False

    @task
    def run_step(self):
        try:
            if not self.started:
                self.flow.start(self.http, self.params)
                self.started = True
                if next(_started) == USERS:
                    self.environment.runner.stats.reset_all()
                    _done["start_failures"] = _done["abandoned"]
                    _done.update(steps=0, abandoned=0, measuring=True)
            self.flow.step(self.http, self.params)
        except FlowError:
            _done["abandoned"] += 1
            return
        _done["steps"] += 1
        if MAX_STEPS and _done["steps"] >= MAX_STEPS:
            gevent.spawn(self.environment.runner.quit)


@events.quitting.add_listener
def _report(environment, **_kwargs):
    print(f"BENCH_RESULT {json.dumps(_done)}", flush=True)
