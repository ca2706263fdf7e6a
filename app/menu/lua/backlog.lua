-- The work left on each station's open tickets, read in one round trip for the ready-time quote
-- (app/menu/pacing.py, KitchenLoad.backlog, which says the rule; this is the same rule, done where the
-- data is, so an order's creation pays one call however many tickets are open).
--
-- Only tickets of orders still in the kitchen's hands (received, preparing) count. A shop that finishes
-- orders from the till or the board without bumping on a kitchen screen, or cancels one, leaves its tickets
-- in the station sets; counted, they would push every later quote out for the rest of the day. Those of a
-- finished order (completed, delivered, cancelled, or its hash gone) are dropped from the set here, the
-- way a station screen's snapshot drops them (app/kitchen/lua/station.lua), so the walk stays as short as
-- the kitchen's real queue; their hashes go a day later, like a bumped ticket's.
--
-- KEYS[1]: the branch's work hash (ticket id -> ms); KEYS[2..]: each station's set of open tickets.
-- ARGV[1]: the branch's ticket hash key prefix; ARGV[2]: now in ms, or "" for Redis's clock (the one the
-- kitchen stamps tickets with); ARGV[3], ARGV[4]: the late floor as a fraction (numerator, denominator);
-- ARGV[5]: the branch's order hash key prefix.
-- Returns {now, the work left at station 1, at station 2, ...}, or {now} when no station has a ticket.
local IN_KITCHEN = {received = true, preparing = true}
local FINISHED = {completed = true, delivered = true, cancelled = true}

local now = tonumber(ARGV[2])
if not now then
  local clock = redis.call('TIME')
  now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
end
local num, den = tonumber(ARGV[3]), tonumber(ARGV[4])
local reply = {now}
local any = false
for i = 2, #KEYS do
  local total = 0
  local ids = redis.call('ZRANGE', KEYS[i], 0, -1)
  if #ids > 0 then any = true end
  for _, id in ipairs(ids) do
    local ticket = redis.call('HMGET', ARGV[1] .. id, 'state', 'started_ms', 'order_id')
    local order_state = ticket[3] and redis.call('HGET', ARGV[5] .. ticket[3], 'state')
    if not ticket[1] or ticket[1] == 'bumped' or not order_state or FINISHED[order_state] then
      redis.call('ZREM', KEYS[i], id)
      if ticket[1] and redis.call('TTL', ARGV[1] .. id) == -1 then
        redis.call('EXPIRE', ARGV[1] .. id, 86400)
      end
    elseif IN_KITCHEN[order_state] then
      local raw = redis.call('HGET', KEYS[1], id)
      if raw then
        local work = tonumber(raw)
        local started = ticket[2]
        if started and started ~= '' then
          -- A started ticket counts what is left of it, never less than the late floor of it.
          work = math.max(work - (now - tonumber(started)), math.floor(work * num / den))
        end
        total = total + work
      end
    end
  end
  reply[#reply + 1] = total
end
if not any then
  return {now}
end
return reply
