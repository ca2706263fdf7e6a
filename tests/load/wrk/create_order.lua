-- wrk: POST /api/v1/orders, a counter sale of three lines (three stations, so three kitchen tickets) with a
-- fresh client UUID per request, as the user whose session run_http.py logged in beforehand.
--
-- Environment: PL_COOKIE (Cookie header), PL_CSRF (X-CSRF-Token), PL_BRANCH_IDS ("3" or "3,4,5": orders go
-- round robin over them), PL_LINES (the order's lines as JSON, from _passline.lines_json: sellable items of the
-- live catalog with their required modifier choices), PL_UUID_PREFIX ("xxxxxxxx-xxxx-4xxx-8xxx-", random per wrk
-- run: ids never repeat across runs).

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local branches = {}
for id in string.gmatch(os.getenv("PL_BRANCH_IDS") or "", "%d+") do
  table.insert(branches, id)
end
local prefix = os.getenv("PL_UUID_PREFIX")
local head = '{"id":"'
local middle = '","branch_id":'
local tail = ',"channel":"counter","lines":' .. os.getenv("PL_LINES") .. '}'

wrk.method = "POST"
wrk.path = "/api/v1/orders"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = os.getenv("PL_COOKIE")
wrk.headers["X-CSRF-Token"] = os.getenv("PL_CSRF")

local counter = 0

function request()
  counter = counter + 1
  local id = prefix .. string.format("%02x%010x", tid or 0, counter)
  local branch = branches[counter % #branches + 1]
  return wrk.format(nil, nil, nil, head .. id .. middle .. branch .. tail)
end
