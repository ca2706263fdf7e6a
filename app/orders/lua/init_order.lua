-- Put a newly committed order and its kitchen tickets into the hot state and announce them, once
-- (DESIGN §4), in one atomic step.
-- Idempotent: a retried create (offline replay, a client that lost the answer) finds the hash and
-- appends no order.created, and a ticket whose hash exists is skipped, so clients never see anything twice
-- (and a retry after a crash that left tickets out adds just those).
--
-- KEYS[1]   order hash
-- KEYS[2]   branch event stream
-- KEYS[3]   state index of the initial state
-- KEYS[4..] station ticket sets, one per ticket
-- ARGV[1]   order id
-- ARGV[2]   initial state
-- ARGV[3]   hash fields as a JSON object of strings (channel, token, payment_status, card …)
-- ARGV[4]   stream length cap
-- ARGV[5]   order.created data (JSON)
-- ARGV[6..] per ticket: ticket hash key, ticket id, ticket.created data (JSON) — three values each

--@TICKETS@

local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local reply = {}
if redis.call('EXISTS', KEYS[1]) == 1 then
  reply[1] = 'exists'
  reply[2] = redis.call('HGET', KEYS[1], 'version')
else
  local flat = {'order_id', ARGV[1], 'state', ARGV[2], 'version', 1, 'created_ms', now, 'updated_ms', now}
  for k, v in pairs(cjson.decode(ARGV[3])) do
    flat[#flat + 1] = k
    flat[#flat + 1] = v
  end
  redis.call('HSET', KEYS[1], unpack(flat))
  redis.call('ZADD', KEYS[3], now, ARGV[1])
  reply[1] = 'ok'
  reply[2] = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*',
    'type', 'order.created', 'order', ARGV[1], 'v', 1, 'ts', now, 'data', ARGV[5])
end
return add_tickets(KEYS[2], 4, ARGV[1], ARGV[4], 6, now, reply)
