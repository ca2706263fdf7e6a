-- Add kitchen tickets to an order already in the hot state (a scheduled order being released), once:
-- a ticket whose hash exists is skipped, so a retried release announces nothing twice.
--
-- KEYS[1]   branch event stream
-- KEYS[2..] station ticket sets, one per ticket
-- ARGV[1]   order id
-- ARGV[2]   stream length cap
-- ARGV[3..] per ticket: ticket hash key, ticket id, ticket.created data (JSON) — three values each

local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local ids = {}
local n = 0
for i = 3, #ARGV, 3 do
  n = n + 1
  local ticket_key, ticket_id, data = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if redis.call('EXISTS', ticket_key) == 0 then
    redis.call('HSET', ticket_key, 'ticket_id', ticket_id, 'order_id', ARGV[1], 'state', 'queued',
      'created_ms', now, 'data', data)
    redis.call('ZADD', KEYS[1 + n], now, ticket_id)
    ids[#ids + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*',
      'type', 'ticket.created', 'order', ARGV[1], 'v', '', 'ts', now, 'data', data)
  end
end
return ids
