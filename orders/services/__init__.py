"""Order actions: take an order from a lead, edit it while draft, approve its discount, and
move it along the state machine (`orders.models.TRANSITIONS`), one service per move.

Every move locks the order row (`select_for_update`), checks the move against the table
on the locked row, writes the new status and an `OrderEvent` (who, when, why), keeps the
sales ledger (`SalesEntry`: + on confirmation, - on a cancellation after it or a refund)
and sends `orders.signals.order_moved`, all in one transaction. Two people moving the same
order at once are serialized by the lock: the second sees the first's move and is refused
if its own is no longer legal. Refusals are `ValidationError`s naming the field.

Who may act on an order: its agent (if their role sells), or a manager, head or admin
whose scope holds it (`can_work_order`). Inspectors read and change nothing. A discount
beyond the seller's role limit (`DiscountLimit`) waits for the approval of someone who
may approve discounts on the order and whose own limit covers it, and the order cannot
be confirmed before.

One module per concept: `taking` (take an order from a lead, edit a draft), `discounts`
(approvals), `order_moves` (the state machine), `line_items` (parsing lines and fields),
`who_may_act` (who may act, the row lock) and `product_catalog` (products).
"""
