"""Ceiling: bare Litestar + one EVALSHA per request (HINCRBY + HSET + XADD), DESIGN §10.

Keys start with CEILING_REDIS_PREFIX; the driver (run_http.py) deletes them afterwards. Requests spread
over 1,000 order hashes and append to one stream capped like Passline's branch streams.
"""

import os
import random
import time

from litestar import Litestar, post
from litestar.datastructures import State
from redis.asyncio import Redis

PREFIX = os.environ["CEILING_REDIS_PREFIX"]
STREAM = f"{PREFIX}events"
SCRIPT = """
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'updated_ms', ARGV[2])
return redis.call('XADD', KEYS[2], 'MAXLEN', '~', 10000, '*',
  'type', 'order.state_changed', 'order', KEYS[1], 'v', version, 'ts', ARGV[2], 'data', ARGV[3])
"""
DATA = '{"from": "preparing", "to": "ready", "channel": "counter", "token": 12, "actor": 2}'


async def open_redis(app: Litestar) -> None:
    app.state.redis = Redis.from_url(os.environ["REDIS_URL"], decode_responses=False)
    app.state.sha = await app.state.redis.script_load(SCRIPT)


async def close_redis(app: Litestar) -> None:
    await app.state.redis.aclose()


@post("/lua", status_code=200)
async def transition(state: State) -> dict[str, str]:
    key = f"{PREFIX}order:{random.randrange(1000)}"
    entry = await state.redis.evalsha(state.sha, 2, key, STREAM, "ready", int(time.time() * 1000), DATA)
    return {"event_id": entry.decode()}


app = Litestar([transition], on_startup=[open_redis], on_shutdown=[close_redis])
