"""The questionnaire-response figure: `POST questionnaire-responses/` (validation against the
instrument, server-side scoring, answers and scores stored, record change) vs a bare DRF
create of one row, in requests per second, against the same gunicorn as the check-in
figure (scripts/benchmarks/http_figures.py calls it)."""

from __future__ import annotations

import datetime as dt

from scripts.benchmarks.common import Figure, ratio_figure
from scripts.benchmarks.load import lua_list, wrk

QUESTIONNAIRE_LUA = r"""
local tokens = {%(tokens)s}
local path = "%(path)s"
local kind = "%(kind)s"
local completed = "%(completed)s"
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
  local body
  if kind == "questionnaire" then
    body = string.format('{"client_id":"%%s","instrument":"psfs","instrument_version":"1",' ..
      '"language":"en","completed_at":"%%s","answers":[' ..
      '{"item":"activity_1","value":"walking"},{"item":"rating_1","value":%%d},' ..
      '{"item":"activity_2","value":"stairs"},{"item":"rating_2","value":%%d},' ..
      '{"item":"activity_3","value":"cooking"},{"item":"rating_3","value":%%d}]}',
      uuid4(), completed, k %% 11, (k + 3) %% 11, (k + 5) %% 11)
  else
    body = string.format('{"name":"row %%d","value":%%d,"score":%%d}', k, k, k %% 100)
  end
  return wrk.format("POST", path, {["Authorization"] = "Token " .. tokens[p],
    ["Content-Type"] = "application/json"}, body)
end
"""


def bench_questionnaire(port: int, args, pool: list[str]) -> Figure:
    """Questionnaire-response POST vs a bare create, paired rounds as the check-in figure
    (the first round warms up). The patients are the check-in figure's (an active episode
    each); responses never conflict, so the pool is reused."""
    completed = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).isoformat()
    per_round = len(pool) // (args.pairs + 1)
    products, floors, bad = [], [], 0
    for round_index in range(args.pairs + 1):
        tokens = pool[round_index * per_round : (round_index + 1) * per_round]
        results = {}
        for kind, path in (
            ("questionnaire", "/api/v1/questionnaire-responses/"),
            ("floor", "/bench/rows/"),
        ):
            script = QUESTIONNAIRE_LUA % {
                "tokens": lua_list(tokens),
                "path": path,
                "kind": kind,
                "completed": completed,
                "threads": args.threads,
            }
            results[kind] = wrk(
                f"http://127.0.0.1:{port}{path}",
                script,
                seconds=args.seconds,
                connections=args.connections,
                threads=args.threads,
            )
        if round_index == 0:
            continue  # warm-up
        products.append(results["questionnaire"].rps)
        floors.append(results["floor"].rps)
        bad += results["questionnaire"].non_2xx + results["floor"].non_2xx
    figure = ratio_figure(
        "questionnaire-response POST throughput",
        products,
        floors,
        unit="req/s",
        target="≥ 0.5× bare create",
        check=lambda r: r >= 0.5,
    )
    figure.notes.append(f"non-2xx responses: {bad}")
    return figure
