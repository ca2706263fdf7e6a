"""Every Lua script Passline runs, registered once per runtime.

A script is declared once, next to the code that calls it (`Script("app.orders", "transition", …)`), and
loaded through the runtime's `LuaScripts`: the first use hashes its source and keeps the `AsyncScript`, so
no request pays for hashing (the transition script, with the table rendered into it, is the biggest), and
every caller of one script shares one object. redis-py runs it with EVALSHA and loads it again by itself
after a Redis restart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import TYPE_CHECKING, Any

from redis.exceptions import NoScriptError

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.asyncio.client import Pipeline
    from redis.commands.core import AsyncScript


@dataclass(frozen=True, eq=False)
class Script:
    """A Lua script: a file `lua/<name>.lua` of a package, or inline source; `render` may fill the source in
    (the transition table is rendered from `app/orders/states.py`). Compared by identity: one declaration,
    one registration per runtime."""

    package: str
    name: str
    inline: str | None = None
    render: Callable[[str], str] | None = field(default=None, repr=False)

    @cached_property
    def source(self) -> str:
        text = self.inline
        if text is None:
            text = resources.files(self.package).joinpath(f"lua/{self.name}.lua").read_text()
        return self.render(text) if self.render is not None else text


class LuaScripts:
    """The scripts of one Redis client, each registered on first use."""

    __slots__ = ("_loaded", "_redis")

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._loaded: dict[Script, AsyncScript] = {}

    def __getitem__(self, script: Script) -> AsyncScript:
        loaded = self._loaded.get(script)
        if loaded is None:
            loaded = self._loaded[script] = self._redis.register_script(script.source)
        return loaded

    def queue(self, pipe: Pipeline, script: Script, keys: Sequence[Any], args: Sequence[Any]) -> None:
        """Queue the script on a pipeline as a plain EVALSHA. redis-py's own way asks Redis whether every
        script of the pipeline is loaded (SCRIPT EXISTS) before each execute: a round trip per order on the
        hottest write. `pipelined` loads the script and runs the pipeline again if Redis lost it."""
        pipe.evalsha(self[script].sha, len(keys), *keys, *args)

    async def pipelined(
        self, build: Callable[[Pipeline], None], *, scripts: Sequence[Script], transaction: bool
    ) -> list[Any]:
        """Run the pipeline `build` fills; once more after loading `scripts` when Redis had lost one
        (a restart): what is pipelined with a script must be safe to repeat."""
        for attempt in range(2):
            async with self._redis.pipeline(transaction=transaction) as pipe:
                build(pipe)
                try:
                    replies: list[Any] = await pipe.execute()
                except NoScriptError:
                    if attempt:
                        raise
                else:
                    return replies
            for script in scripts:
                await self.load(script)
        raise AssertionError("unreachable")  # pragma: no cover

    async def load(self, script: Script) -> None:
        await self._redis.script_load(self[script].script)
