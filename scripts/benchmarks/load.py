"""Load generation: wrk with its Lua scripts, the paired product/floor rounds every throughput
figure runs, and a single timed request."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

# The one Lua prelude of the POST scripts: the device tokens, the thread's id (set in `setup`,
# so every thread walks its own share of the requests) and a random UUID for each client_id.
# Plain text (no %-formatting): `post_script` puts the values in front of it.
LUA_PRELUDE = r"""
local counter = 0
local tid = 0
local next_id = 0
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
end
function init(args)
  tid = tonumber(wrk.thread:get("tid")) or 0
  math.randomseed(os.time() + tid * 7919)
end
local function uuid4()
  return string.format("%08x-%04x-4%03x-a%03x-%04x%08x",
    math.random(0, 0x7fffffff), math.random(0, 0xffff), math.random(0, 0xfff),
    math.random(0, 0xfff), math.random(0, 0xffff), math.random(0, 0x7fffffff))
end
"""

# The k-th request of the run, by patient p; BODY is Lua statements that set `body`.
LUA_REQUEST = r"""
function request()
  local k = counter * nthreads + tid
  counter = counter + 1
  local p = (k % #tokens) + 1
  local body
  BODY
  return wrk.format("POST", path, {["Authorization"] = "Token " .. tokens[p],
    ["Content-Type"] = "application/json"}, body)
end
"""

# The bare create's body (the floor of every POST figure).
FLOOR_BODY = r"""body = string.format('{"name":"row %d","value":%d,"score":%d}', k, k, k % 100)"""

# A check-in on the d-th allowed date (``dates`` and ``recorded`` given to `post_script`).
CHECKIN_BODY = r"""
  local d = (math.floor(k / #tokens) % #dates) + 1
  body = string.format('{"client_id":"%s","date":"%s","pain_now":4,"pain_worst_24h":6,' ..
    '"pain_weight_bearing":6,"morning_stiffness_minutes":20,"sleep_disturbed":false,' ..
    '"daily_activities_affected":true,"weight_bearing":"full","night_or_rest_pain":false,' ..
    '"walking_aid":"cane","limping":true,"painful_sides":["left"],"red_flags":[],' ..
    '"steps":4200,"recorded_at":"%s"}', uuid4(), dates[d], recorded[d])
"""


def lua_list(values: list[str]) -> str:
    return ",".join(f'"{value}"' for value in values)


def post_script(
    *, path: str, tokens: list[str], threads: int, body: str, lists: dict | None = None
) -> str:
    """A wrk script POSTing to ``path``: request k is sent by patient k mod len(tokens) with
    the body ``body`` makes (Lua statements setting ``body``, with ``k``, ``uuid4()`` and the
    ``lists`` - {Lua name: list of strings} - at hand)."""
    values = {"tokens": tokens, **(lists or {})}
    head = "".join(f"local {name} = {{{lua_list(items)}}}\n" for name, items in values.items())
    head += f'local path = "{path}"\nlocal nthreads = {threads}\n'
    return head + LUA_PRELUDE + LUA_REQUEST.replace("BODY", body.strip())


GET_LUA = r"""
wrk.method = "GET"
wrk.headers["Authorization"] = "Token %(token)s"
"""


@dataclass
class WrkResult:
    rps: float
    non_2xx: int
    requests: int


def wrk(url: str, script: str, *, seconds: int, connections: int, threads: int) -> WrkResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                handle.name,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
    finally:
        os.unlink(handle.name)
    rps_seen = re.search(r"Requests/sec:\s+([\d.]+)", out)
    requests_seen = re.search(r"(\d+) requests in", out)
    if rps_seen is None or requests_seen is None:
        raise RuntimeError(f"wrk printed no figures:\n{out}")
    rps = float(rps_seen.group(1))
    requests = int(requests_seen.group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return WrkResult(rps=rps, non_2xx=int(bad.group(1)) if bad else 0, requests=requests)


def run_wrk(port: int, path: str, script: str, args) -> WrkResult:
    """One round of ``script`` against ``path`` with the run's seconds, connections, threads."""
    return wrk(
        f"http://127.0.0.1:{port}{path}",
        script,
        seconds=args.seconds,
        connections=args.connections,
        threads=args.threads,
    )


@dataclass
class Paired:
    """Paired rounds: the measured rounds' product and floor rates, and the non-2xx responses
    and requests of every round (the warm-up too)."""

    products: list[float]
    floors: list[float]
    non_2xx: int
    requests: int


def paired_rounds(pairs: int, measure: Callable[[int], tuple[WrkResult, WrkResult]]) -> Paired:
    """``pairs`` + 1 rounds of ``measure(round)`` -> (product, floor), alternating product and
    floor; the first round warms up and is not measured (this machine is noisy)."""
    paired = Paired(products=[], floors=[], non_2xx=0, requests=0)
    for round_index in range(pairs + 1):
        product, floor = measure(round_index)
        paired.non_2xx += product.non_2xx + floor.non_2xx
        paired.requests += product.requests + floor.requests
        if round_index:
            paired.products.append(product.rps)
            paired.floors.append(floor.rps)
    return paired


def paired_posts(
    port: int, args, pool: list[str], *, path: str, body: str, lists: dict | None = None
) -> Paired:
    """POSTs to ``path`` (bodies from ``body``, see `post_script`) vs the bare create, in
    paired rounds; each round's requests come from its own share of the ``pool`` tokens."""
    per_round = len(pool) // (args.pairs + 1)

    def measure(round_index: int) -> tuple[WrkResult, WrkResult]:
        tokens = pool[round_index * per_round : (round_index + 1) * per_round]
        results = []
        for target, made in ((path, body), ("/bench/rows/", FLOOR_BODY)):
            script = post_script(
                path=target, tokens=tokens, threads=args.threads, body=made, lists=lists
            )
            results.append(run_wrk(port, target, script, args))
        return results[0], results[1]

    return paired_rounds(args.pairs, measure)


def paired_gets(port: int, args, token: str, path: str) -> Paired:
    """GETs of ``path`` vs the bare 50-row list, in paired rounds, with the same token."""
    floor = "/bench/rows/list/?page_size=50"
    script = GET_LUA % {"token": token}
    return paired_rounds(
        args.pairs,
        lambda _round: (run_wrk(port, path, script, args), run_wrk(port, floor, script, args)),
    )


def request(
    port: int, method: str, path: str, token: str, body: object = None
) -> tuple[int, bytes, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    payload = json.dumps(body) if body is not None else None
    started = time.perf_counter()
    conn.request(
        method,
        path,
        body=payload,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return response.status, data, elapsed
