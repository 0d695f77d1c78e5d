-- wrk script for bench/authorize_http.py: random cards, optional capture.
-- Environment: BENCH_CARDS (file of pan,expiry,cvv lines), BENCH_KEY,
-- BENCH_CAPTURE ("1" to capture each approval on the next request).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  cards = {}
  for line in io.lines(os.getenv("BENCH_CARDS")) do
    local pan, expiry, cvv = line:match("([^,]+),([^,]+),([^,]+)")
    cards[#cards + 1] = {pan, expiry, cvv}
  end
  key = os.getenv("BENCH_KEY")
  capture = os.getenv("BENCH_CAPTURE") == "1"
  approved, declined, failed, captured = 0, 0, 0, 0
  pending_capture = nil
  last_was_capture = false
  math.randomseed(os.time() + math.random(1, 100000))
  headers = {["Authorization"] = "Api-Key " .. key, ["Content-Type"] = "application/json"}
end

function request()
  if capture and pending_capture then
    local path = "/api/v1/authorizations/" .. pending_capture .. "/capture"
    pending_capture = nil
    last_was_capture = true
    return wrk.format("POST", path, headers, "{}")
  end
  last_was_capture = false
  local c = cards[math.random(#cards)]
  local body = string.format(
    '{"pan":"%s","expiry":"%s","cvv":"%s","amount":%d,"currency":"USD",' ..
    '"merchant":{"id":"m-%d","name":"Bench Store","mcc":"5411","country":"US"},' ..
    '"channel":"pos"}',
    c[1], c[2], c[3], math.random(100, 20000), math.random(1, 500))
  return wrk.format("POST", "/api/v1/authorizations", headers, body)
end

function response(status, headers, body)
  if last_was_capture then
    if status == 201 then captured = captured + 1 else failed = failed + 1 end
    return
  end
  if status ~= 201 then
    failed = failed + 1
  elseif body:find('"status":"approved"', 1, true) then
    approved = approved + 1
    if capture then pending_capture = body:match('"id":"([^"]+)"') end
  else
    declined = declined + 1
  end
end

function done(summary, latency, requests)
  local a, d, f, c = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("approved"); d = d + t:get("declined")
    f = f + t:get("failed"); c = c + t:get("captured")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'JSON {"requests_per_s": %.1f, "approvals_per_s": %.1f, "approved": %d, ' ..
    '"declined": %d, "failed": %d, "captured": %d, "socket_errors": %d, ' ..
    '"p50_ms": %.2f, "p99_ms": %.2f, "p999_ms": %.2f, "mean_ms": %.2f}\n',
    summary.requests / seconds, a / seconds, a, d, f, c,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.mean / 1000))
end
