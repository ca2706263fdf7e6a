"""The persister: copies every branch event stream into PostgreSQL (DESIGN §4).

Each worker process runs one consumer of the `persister` group on every branch stream. A batch read with
XREADGROUP is written in ONE PostgreSQL transaction — one bulk INSERT into `order_events` (ON CONFLICT on
the event's identity `(branch_id, stream_id)` DO NOTHING) and one bulk UPDATE of `orders.state/version` for
`order.state_changed` events, guarded by `version < new` so an old event never overwrites a newer state —
and acknowledged only after the commit. Delivery is at least once, the writes are idempotent, so a crash
anywhere repeats work and never loses or doubles it.

- Entries that can never be stored (their order is not in PostgreSQL, malformed data, a branch that does
  not exist, an entry trimmed from the stream before it was stored) go to the dead-letter stream
  `Keys.persister_dead()` with the reason and are acknowledged, so one bad entry cannot wedge the loop.
- Branches are discovered from `Keys.event_branches()` and the `branches` table every few seconds; the
  group is created (MKSTREAM, from '0') on any stream that lacks it, so nothing a new branch appends is
  missed.
- Entries delivered to a consumer that died (a crashed worker) are claimed with XAUTOCLAIM once they have
  been idle for `CLAIM_MIN_IDLE_MS`, at start-up and periodically.
- A cycle re-reads this consumer's own pending entries when there may be some (at start, after a failed
  batch or a claim), else blocks for new ones.
"""

from app.orders.persister._consumer import (
    BATCH_COUNT,
    BLOCK_MS,
    CLAIM_MIN_IDLE_MS,
    Persister,
    PersisterStats,
    PersisterTask,
    claim_stale,
    consumer_name,
    discover_branches,
    ensure_branch_streams,
    known_branches,
    persist_once,
    run_persister,
    write_entries,
)
from app.orders.persister._lag import BranchLag, persister_lag, register_persister_metrics

__all__ = [
    "BATCH_COUNT",
    "BLOCK_MS",
    "CLAIM_MIN_IDLE_MS",
    "BranchLag",
    "Persister",
    "PersisterStats",
    "PersisterTask",
    "claim_stale",
    "consumer_name",
    "discover_branches",
    "ensure_branch_streams",
    "known_branches",
    "persist_once",
    "persister_lag",
    "register_persister_metrics",
    "run_persister",
    "write_entries",
]
