"""A live feed into walkout, as an integrator writes it (run: python examples/integrator.py).

A shopper checks in at the entry gate with the store app, takes one litre of milk from
plate 0 of the minimal store and leaves. Data arrive second by second, out of order.
"""

import numpy as np

import walkout

engine = walkout.Engine(walkout.stores.minimal())  # the shipped store, validated
rng = np.random.default_rng(0)
t0 = 1_767_258_000_000_000  # µs since the Unix epoch
for second in range(30):
    t = t0 + second * 1_000_000 + np.arange(60) * 16_667  # 60 Hz load cell on plate 0
    grams = 2400.0 + 6 * 1058.0 - np.where(t >= t0 + 10_000_000, 1058.0, 0.0)
    order = rng.permutation(60)  # the network reorders; walkout does not mind
    engine.ingest_weights(
        plate_id=np.zeros(60, int), t_us=t[order], grams=grams[order] + rng.normal(0, 5, 60)
    )
    where = (2.55, 2.2) if 4 <= second < 20 else (0.8, 0.8) if second < 4 else (5.2, 0.8)
    engine.ingest_positions(
        t_us=t[::4], track_id=np.full(15, 7), x=np.full(15, where[0]), y=np.full(15, where[1])
    )
    if second == 1:  # app check-in at the entry gate: the only way an account is bound
        engine.ingest_gates(gate_id=[0], t_us=[t[0]], kind=["enter"], token=["acct-42"])
    if second == 22:
        engine.ingest_gates(gate_id=[1], t_us=[t[0]], kind=["exit"])
    engine.step()  # process everything up to the watermark
engine.finish()

for receipt in engine.receipts():
    print(receipt.token, receipt.quantities(), receipt.total_cents, receipt.needs_review)
print(engine.stats()["weights"])
