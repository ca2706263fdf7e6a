-- The expo (pass) snapshot: every order the kitchen is working on (received, preparing, ready) with the
-- state of each of its tickets, and the stream id it is current to, in one atomic step.
--
-- The caller names the candidate tickets (from PostgreSQL, where tickets are committed before Redis
-- hears of their order). An order in the indexes with no candidate is reported back as missing: it was
-- created after the caller looked, and the caller asks again with its tickets.
--
-- KEYS[1]   branch event stream
-- KEYS[2..4] state index of received, preparing, ready
-- KEYS[5..] candidate ticket hashes
-- ARGV[1]   order hash key prefix of the branch
-- ARGV[2..] per candidate ticket (aligned with KEYS[5..]): order id, ticket id, station code
--
-- Reply: {stream id, {{order_id, entered score, state, version, channel, token, card, rush, created_ms,
--         {{ticket_id, station_code, state}...}}...}, {missing order ids...}}

local tickets = {}
for i = 2, #ARGV, 3 do
  local key = KEYS[5 + (i - 2) / 3]
  local order_id = ARGV[i]
  local state = redis.call('HGET', key, 'state')
  if state then
    tickets[order_id] = tickets[order_id] or {}
    table.insert(tickets[order_id], {ARGV[i + 1], ARGV[i + 2], state})
  end
end

local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local orders, missing = {}, {}
for k = 2, 4 do
  local ids = redis.call('ZRANGE', KEYS[k], 0, -1, 'WITHSCORES')
  for j = 1, #ids, 2 do
    local order_id = ids[j]
    local h = redis.call('HMGET', ARGV[1] .. order_id,
      'state', 'version', 'channel', 'token', 'card', 'rush', 'created_ms')
    if not tickets[order_id] then missing[#missing + 1] = order_id end
    orders[#orders + 1] = {order_id, ids[j + 1], h[1] or '', h[2] or '0', h[3] or '', h[4] or '', h[5] or '{}',
      h[6] or '', h[7] or '', tickets[order_id] or {}}
  end
end
return {#last > 0 and last[1][1] or '0-0', orders, missing}
