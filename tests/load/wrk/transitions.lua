-- wrk: POST /api/v1/orders/{id}/transitions, each order cycling received -> preparing -> ready -> received.
-- Every move is legal for a manager (ready -> received is a manager's correction), so an order can cycle
-- for ever; no expected_version, so moves never conflict. Orders are taken round robin: with far more
-- orders than connections, an order's previous move has long been answered before its next one is sent.
--
-- Environment: PL_COOKIE, PL_CSRF, PL_ORDERS (a file of "order-id current-state" lines, read from Redis by
-- run_http.py just before this run), PL_WRK_THREADS (wrk's -t: the threads split the orders between them;
-- a thread's init runs before the next thread exists, so the count comes from the driver).

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local after = { received = "preparing", preparing = "ready", ready = "received" }
local ids, states = {}, {}
local index = 0

function init(args)
  local nthreads = tonumber(os.getenv("PL_WRK_THREADS") or "1")
  local n = 0
  for line in io.lines(os.getenv("PL_ORDERS")) do
    local id, state = line:match("^(%S+)%s+(%S+)")
    if id and after[state] and n % nthreads == (tid or 0) then
      table.insert(ids, id)
      table.insert(states, state)
    end
    n = n + 1
  end
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = os.getenv("PL_COOKIE")
wrk.headers["X-CSRF-Token"] = os.getenv("PL_CSRF")

function request()
  index = index % #ids + 1
  local to = after[states[index]]
  states[index] = to
  return wrk.format(nil, "/api/v1/orders/" .. ids[index] .. "/transitions", nil, '{"to":"' .. to .. '"}')
end
