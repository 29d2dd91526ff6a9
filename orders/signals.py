"""What other apps may react to: an order changed status.

`order_moved` is sent by every move in `orders.services`, inside the move's transaction,
with `order`, `from_status`, `to_status` and `by`. Receivers (after-sales schedules revisits
when an order is delivered) call their own service, so what happens stays in services and
the orders app does not depend on the apps that build on it.
"""

from django.dispatch import Signal

order_moved = Signal()
