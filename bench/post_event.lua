-- wrk script for bench/run.sh: every request POSTs one event that Baton's example playbook
-- sold-to-onboarding matches (so each one creates a handoff). Ids never repeat within a run:
-- each wrk thread numbers its own requests and puts its thread number and the run's prefix
-- in front.
--
-- Environment: BATON_TOKEN (the Bearer token; may be empty for the bare server) and
-- BENCH_ID_PREFIX (unique per run, so runs against one workspace never collide).
-- done() prints one machine-readable line starting with RESULT (latencies in microseconds).

local token = os.getenv("BATON_TOKEN") or ""
local prefix = os.getenv("BENCH_ID_PREFIX") or "wrk"

local threads = {}
local counter = 0

function setup(thread)
   thread:set("tid", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   wrk.method = "POST"
   wrk.path = "/v1/events"
   wrk.headers["Content-Type"] = "application/json"
   if token ~= "" then
      wrk.headers["Authorization"] = "Bearer " .. token
   end
end

function request()
   counter = counter + 1
   local id = prefix .. "-" .. tid .. "-" .. counter
   local body = '{"type":"deal.won","id":"' .. id .. '","source":"bench","data":{"company":"Client '
      .. id .. '","amount":5000,"pipeline":"services"}}'
   return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
   local e = summary.errors
   local seconds = summary.duration / 1e6
   io.write(string.format(
      "RESULT requests=%d duration_us=%d rate=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d "
         .. "non2xx=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
      summary.requests, summary.duration, summary.requests / seconds,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      e.status, e.connect, e.read, e.write, e.timeout))
end
