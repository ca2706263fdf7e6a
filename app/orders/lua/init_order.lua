-- Put a newly committed order into the hot state and announce it, once (DESIGN §4).
-- Idempotent: a retried create (offline replay, a client that lost the answer) finds the hash and
-- appends nothing, so clients never see an order twice.
--
-- KEYS[1]   order hash
-- KEYS[2]   branch event stream
-- KEYS[3]   state index of the initial state
-- KEYS[4..] station ticket sets, one per ticket, in the order of the ticket events
-- ARGV[1]   order id
-- ARGV[2]   initial state
-- ARGV[3]   hash fields as a JSON object (channel, token, payment_status, card …)
-- ARGV[4]   stream length cap
-- ARGV[5]   order.created data (JSON)
-- ARGV[6..] per ticket: ticket hash key, ticket id, ticket.created data (JSON) — three values each

if redis.call('EXISTS', KEYS[1]) == 1 then
  return {'exists', redis.call('HGET', KEYS[1], 'version')}
end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local fields = cjson.decode(ARGV[3])
local flat = {'order_id', ARGV[1], 'state', ARGV[2], 'version', 1, 'created_ms', now, 'updated_ms', now}
for k, v in pairs(fields) do table.insert(flat, k) table.insert(flat, tostring(v)) end
redis.call('HSET', KEYS[1], unpack(flat))
redis.call('ZADD', KEYS[3], now, ARGV[1])

local ids = {}
ids[1] = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*',
  'type', 'order.created', 'order', ARGV[1], 'v', 1, 'ts', now, 'data', ARGV[5])
local n = 0
for i = 6, #ARGV, 3 do
  n = n + 1
  local ticket_key, ticket_id, data = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  redis.call('HSET', ticket_key, 'ticket_id', ticket_id, 'order_id', ARGV[1], 'state', 'queued',
    'created_ms', now, 'data', data)
  redis.call('ZADD', KEYS[3 + n], now, ticket_id)
  ids[#ids + 1] = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*',
    'type', 'ticket.created', 'order', ARGV[1], 'v', 1, 'ts', now, 'data', data)
end
return {'ok', ids}
