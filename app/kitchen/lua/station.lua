-- A station screen's snapshot: its tickets (queued and started, not bumped) and the stream id they are
-- current to, read in one atomic step so the screen can apply every later event without a gap.
--
-- Tickets whose order has finished (its hash expired, or completed / delivered / cancelled) can never be
-- worked on again; they are dropped from the station set here, the first time anyone looks.
-- Tickets of an order that left the kitchen's hands another way (out for delivery, returned) stay in the
-- set but are not shown.
--
-- KEYS[1]   branch event stream
-- KEYS[2]   station set
-- ARGV[1]   ticket hash key prefix of the branch
-- ARGV[2]   order hash key prefix of the branch
--
-- Reply: {stream id, {{ticket_id, score, state, created_ms, started_ms, rush flag, data, order_rush}...}}

local SHOWN = {received = true, preparing = true, ready = true}
local FINISHED = {completed = true, delivered = true, cancelled = true}

local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local rows = {}
local ids = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
for i = 1, #ids, 2 do
  local ticket_id = ids[i]
  local h = redis.call('HMGET', ARGV[1] .. ticket_id, 'state', 'order_id', 'created_ms', 'started_ms', 'rush', 'data')
  local order_state = h[2] and redis.call('HGET', ARGV[2] .. h[2], 'state')
  if not h[1] or h[1] == 'bumped' or not order_state or FINISHED[order_state] then
    redis.call('ZREM', KEYS[2], ticket_id)
    -- Nobody will work on it again: let its hash go with its order's (a day; see ticket.lua).
    if h[1] and redis.call('TTL', ARGV[1] .. ticket_id) == -1 then
      redis.call('EXPIRE', ARGV[1] .. ticket_id, 86400)
    end
  elseif SHOWN[order_state] then
    rows[#rows + 1] = {ticket_id, ids[i + 1], h[1], h[3] or '', h[4] or '', h[5] or '', h[6] or '{}'}
  end
end
return {#last > 0 and last[1][1] or '0-0', rows}
