"""The one human reference of an order, the same on every screen, receipt and alert: `#42`.

It is the order's token: the branch's number of the business day, given to every order when it is created
(every channel, a scheduled order on its slot's day), the number the TV shows and the counter calls out.
An order stored before every order had one falls back to the first six characters of its id, upper case,
written `№ 35A6C1` so it is never mistaken for a token. `orderRef` in `displays/static/js/shared/labels.js` is the same rule for
the pages.
"""

from __future__ import annotations

import uuid


def order_ref(token: int | None, order_id: uuid.UUID | str) -> str:
    if token is not None:
        return f"#{token}"
    return f"№ {str(order_id).replace('-', '')[:6].upper()}"
