-- Apply one order state transition atomically (DESIGN §4): table and guard checks, compare-and-set on
-- the version, the kanban indexes, and the event append. Returns a reply instead of raising, so the
-- caller can answer 409/422/403 with the current state and version.
--
-- KEYS[1]   order hash
-- KEYS[2]   branch event stream
-- KEYS[3..] state index of every open state, in the order of OPEN below
-- ARGV[1]   target state
-- ARGV[2]   expected version, or '' for none
-- ARGV[3]   actor roles, comma separated ('system' for the server itself)
-- ARGV[4]   guard data as JSON object (courier_id, settle_mode, reason, actor …)
-- ARGV[5]   approximate stream length cap
-- ARGV[6]   seconds a finished order's hash is kept (board and late readers)

--@TABLE@

local to = ARGV[1]
local h = redis.call('HMGET', KEYS[1], 'state', 'version', 'channel', 'payment_status', 'token', 'order_id',
  'courier_id')
local from, version = h[1], tonumber(h[2])
if not from then return {'notfound'} end
if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= version then
  return {'conflict', from, version, 'stale_version'}
end
local rule = RULES[from .. '>' .. to]
if not rule then return {'conflict', from, version, 'illegal'} end

local allowed = false
for role in string.gmatch(ARGV[3], '[^,]+') do
  if role == 'admin' or rule.roles[role] then allowed = true break end
end
if not allowed then return {'forbidden', from, version} end
if rule.channels and not rule.channels[h[3]] then return {'invalid', from, version, 'channel', h[3]} end

local guard = cjson.decode(ARGV[4])
for _, field in ipairs(rule.requires) do
  local value = guard[field]
  if value == nil or value == cjson.null or value == '' then return {'missing', from, version, field} end
end
if rule.paid and h[4] ~= 'paid' then return {'conflict', from, version, 'unpaid'} end

version = version + 1
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local fields = {'state', to, 'version', version, 'updated_ms', now}
if guard.courier_id ~= nil and guard.courier_id ~= cjson.null then
  table.insert(fields, 'courier_id') table.insert(fields, guard.courier_id)
  -- The board's card shows the courier. Edited here, in the same atomic step, because the payment
  -- script edits the same JSON: a read here and a write later would lose one of the two changes.
  local card = redis.call('HGET', KEYS[1], 'card')
  if card then
    local decoded = cjson.decode(card)
    decoded.courier_id = guard.courier_id
    table.insert(fields, 'card') table.insert(fields, cjson.encode(decoded))
  end
end
redis.call('HSET', KEYS[1], unpack(fields))

local order_id = h[6]
local index_from, index_to = INDEX[from], INDEX[to]
if index_from then redis.call('ZREM', KEYS[index_from], order_id) end
if index_to then
  redis.call('ZADD', KEYS[index_to], now, order_id)
  redis.call('PERSIST', KEYS[1])
else
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[6]))
end

local data = {
  order_id = order_id, from = from, to = to, version = version, channel = h[3],
  token = tonumber(h[5]) or cjson.null, actor = guard.actor or cjson.null,
}
if guard.reason ~= nil then data.reason = guard.reason end
if guard.courier_id ~= nil then
  data.courier_id = guard.courier_id
elseif h[7] then
  -- The assigned courier's page follows the order to delivered / returned.
  data.courier_id = tonumber(h[7])
end
if guard.settle_mode ~= nil then data.settle_mode = guard.settle_mode end
if rule.correction then data.correction = true end
local encoded = cjson.encode(data)
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*',
  'type', 'order.state_changed', 'order', order_id, 'v', version, 'ts', now, 'data', encoded)
-- The event itself comes back too, so the caller can journal it to PostgreSQL without reading the stream.
return {'ok', from, version, id, encoded, now}
