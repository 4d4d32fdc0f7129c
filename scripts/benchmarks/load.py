"""Load generation: wrk with its Lua scripts, and a single timed request."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass

CHECKIN_LUA = r"""
local tokens = {%(tokens)s}
local dates = {%(dates)s}
local recorded = {%(recorded)s}
local path = "%(path)s"
local kind = "%(kind)s"
local counter = 0
local tid = 0
local nthreads = %(threads)d
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
  return string.format("%%08x-%%04x-4%%03x-a%%03x-%%04x%%08x",
    math.random(0, 0x7fffffff), math.random(0, 0xffff), math.random(0, 0xfff),
    math.random(0, 0xfff), math.random(0, 0xffff), math.random(0, 0x7fffffff))
end
function request()
  local k = counter * nthreads + tid
  counter = counter + 1
  local p = (k %% #tokens) + 1
  local d = (math.floor(k / #tokens) %% #dates) + 1
  local body
  if kind == "checkin" then
    body = string.format('{"client_id":"%%s","date":"%%s","pain_now":4,"pain_worst_24h":6,' ..
      '"pain_weight_bearing":6,"morning_stiffness_minutes":20,"sleep_disturbed":false,' ..
      '"daily_activities_affected":true,"weight_bearing":"full","night_or_rest_pain":false,' ..
      '"walking_aid":"cane","limping":true,"painful_sides":["left"],"red_flags":[],' ..
      '"steps":4200,"recorded_at":"%%s"}', uuid4(), dates[d], recorded[d])
  else
    body = string.format('{"name":"row %%d","value":%%d,"score":%%d}', k, k, k %% 100)
  end
  return wrk.format("POST", path, {["Authorization"] = "Token " .. tokens[p],
    ["Content-Type"] = "application/json"}, body)
end
"""


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


def lua_list(values: list[str]) -> str:
    return ",".join(f'"{value}"' for value in values)


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
