"""RFID readers: read rates per antenna, and the reads worth reading as text.

A shelf antenna reads every tag in its zone again and again (tens of reads a second),
so reads are never logged one by one:

- ``sensors/rfid/<reader>/<antenna>``: reads per second and distinct tags read per
  second, one value pair per ``bin_s`` (at the bin's centre), from the antenna's first
  read to the bin after the newest read of any antenna; runs of equal values are logged
  as their two ends only (a quiet antenna costs nothing), and a zero at the start of the
  first bin anchors the plot.
- ``store/rfid/<reader>/<antenna>/reads`` (under the antenna's zone box): at an *exit*
  antenna, one row per bin with reads, listing the tags read (what leaves the store);
  at a *shelf* antenna, one row per bin in which tags were read in the zone for the
  first time (the stock at the start, then tags brought in).

Presence and departures are the engine's business (``rfid.rs``); nothing here
re-derives them. Tags are shown as EPCs (product tags, not people).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import rerun as rr

from walkout.config import StoreConfig
from walkout.viz import paths, style

_LIST_TAGS = 6  # tags listed by name in one text row


def epc_strings(epc: Any) -> np.ndarray:
    """EPCs as 24-hex-digit upper-case strings (from strings or Python ints)."""
    values = np.asarray(epc, dtype=object).reshape(-1)
    return np.array(
        [
            f"{int(e):024X}" if isinstance(e, (int, np.integer)) else str(e).upper()
            for e in values.tolist()
        ],
        dtype=str,
    )


@dataclass
class _Antenna:
    kind: str
    next_bin: int | None = None  # first bin not yet closed for this antenna
    last: tuple[int, float, float] | None = None  # (time, reads/s, tags/s), the last bin
    last_logged: bool = True
    seen: set[str] = field(default_factory=set)
    named: bool = False
    rates: list[tuple[int, float, float]] = field(default_factory=list)  # (time, ...), held
    text_t: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


class RfidLayer:
    """Read rates and text rows per antenna (see the module docs)."""

    def __init__(
        self,
        rec: rr.RecordingStream,
        config: StoreConfig,
        *,
        bin_s: float = 1.0,
        latency_s: float = 2.0,
        max_batch: int = 256,
    ) -> None:
        if bin_s <= 0:
            raise ValueError("the RFID bin is > 0 s")
        self._rec = rec
        self.bin_us = max(1, int(bin_s * 1e6))
        self._latency_us = int(latency_s * 1e6)
        self._max_batch = max_batch
        self._antennas = {
            (r.id, a.id): _Antenna(kind=a.kind) for r in config.rfid_readers for a in r.antennas
        }
        self._reader = np.empty(0, dtype=np.int64)
        self._antenna = np.empty(0, dtype=np.int64)
        self._t = np.empty(0, dtype=np.int64)
        self._epc = np.empty(0, dtype="<U24")
        self._rssi = np.empty(0, dtype=np.float64)
        self._closed_before = -(2**62)
        self._newest_bin: int | None = None  # the newest bin any read fell in
        self.late = 0  # reads of an already closed bin: used by the engine, not plotted
        self.bins = 0  # rate rows logged
        self.rows = 0  # text rows logged

    def add(self, reader_id: Any, antenna_id: Any, t_us: Any, epc: Any, rssi_dbm: Any) -> None:
        """A batch as given to ``engine.ingest_rfid_reads``; logged when its bins close."""
        t = np.asarray(t_us, dtype=np.int64).reshape(-1)
        if not len(t):
            return
        newest = int(t.max()) // self.bin_us
        self._newest_bin = newest if self._newest_bin is None else max(self._newest_bin, newest)
        fresh = t // self.bin_us >= self._closed_before
        self.late += int(len(t) - np.count_nonzero(fresh))
        self._reader = np.r_[self._reader, np.asarray(reader_id, dtype=np.int64).reshape(-1)[fresh]]
        self._antenna = np.r_[
            self._antenna, np.asarray(antenna_id, dtype=np.int64).reshape(-1)[fresh]
        ]
        self._t = np.r_[self._t, t[fresh]]
        self._epc = np.r_[self._epc, epc_strings(epc)[fresh]]
        self._rssi = np.r_[self._rssi, np.asarray(rssi_dbm, dtype=np.float64).reshape(-1)[fresh]]

    def flush(self, until_us: int | None = None) -> None:
        """Close the bins that end at or before ``until_us`` (all if None) and log them
        (rows are held back up to ``latency_s`` to be sent in larger chunks)."""
        if self._newest_bin is None:
            return  # no reads yet
        # Zeros are plotted up to the bin after the newest read, not beyond the data.
        limit = self._newest_bin + 2
        if until_us is not None:
            limit = min(limit, int(until_us) // self.bin_us)
        if limit > self._closed_before:
            self._close(limit)
        if until_us is None:  # the end: log the last value of every run still open
            for st in self._antennas.values():
                if st.last is not None and not st.last_logged:
                    st.last_logged = True
                    st.rates.append(st.last)
        for key, st in self._antennas.items():
            due = None if until_us is None else int(until_us) - self._latency_us
            if st.rates and (
                due is None or len(st.rates) >= self._max_batch or st.rates[0][0] <= due
            ):
                self._send_rates(key, st)
            if st.texts and (
                due is None or len(st.texts) >= self._max_batch or st.text_t[0] <= due
            ):
                self._send_texts(key, st)

    def _close(self, limit: int) -> None:
        b = self._t // self.bin_us
        self._closed_before = limit
        done = b < limit
        reader, antenna = self._reader[done], self._antenna[done]
        t, epc, rssi, bins = self._t[done], self._epc[done], self._rssi[done], b[done]
        keep = ~done
        self._reader, self._antenna = self._reader[keep], self._antenna[keep]
        self._t, self._epc, self._rssi = self._t[keep], self._epc[keep], self._rssi[keep]
        by_antenna: dict[tuple[int, int], np.ndarray] = {}
        if len(t):
            order = np.lexsort((t, antenna, reader))
            reader, antenna, t = reader[order], antenna[order], t[order]
            epc, rssi, bins = epc[order], rssi[order], bins[order]
            key_change = (reader[1:] != reader[:-1]) | (antenna[1:] != antenna[:-1])
            cuts = np.flatnonzero(np.r_[True, key_change, True])
            for a, z in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
                by_antenna[(int(reader[a]), int(antenna[a]))] = np.arange(a, z)
        for key, st in self._antennas.items():
            rows = by_antenna.get(key)
            if rows is None and st.next_bin is None:
                continue  # never read: nothing to plot
            if rows is not None:
                self._log_rows(key, st, t[rows], epc[rows], rssi[rows], bins[rows])
            self._rates(key, st, bins[rows] if rows is not None else bins[:0], epc, rows, limit)

    def _rates(
        self,
        key: tuple[int, int],
        st: _Antenna,
        bins: np.ndarray,
        epc: np.ndarray,
        rows: np.ndarray | None,
        limit: int,
    ) -> None:
        counts: dict[int, tuple[int, int]] = {}
        if rows is not None and len(rows):
            tags = epc[rows]
            starts = np.flatnonzero(np.r_[True, bins[1:] != bins[:-1]])
            ends = np.r_[starts[1:], len(bins)]
            for a, z in zip(starts.tolist(), ends.tolist(), strict=True):
                counts[int(bins[a])] = (z - a, len(np.unique(tags[a:z])))
        first = st.next_bin
        out: list[tuple[int, float, float]] = []
        if first is None:
            first = min(counts)
            out.append((first * self.bin_us, 0.0, 0.0))  # zero where the first bin starts
        per_s = 1e6 / self.bin_us
        for b in range(first, limit):
            n, k = counts.get(b, (0, 0))
            value = (b * self.bin_us + self.bin_us // 2, n * per_s, k * per_s)
            if st.last is not None and st.last[1:] == value[1:]:
                st.last, st.last_logged = value, False  # a run of equal values goes on
                continue
            if st.last is not None and not st.last_logged:
                out.append(st.last)  # the end of the run before this change
            out.append(value)
            st.last, st.last_logged = value, True
        st.next_bin = limit
        st.rates += out

    def _send_rates(self, key: tuple[int, int], st: _Antenna) -> None:
        out, st.rates = st.rates, []
        path = paths.rfid_rate(*key)
        if not st.named:
            st.named = True
            color = style.series_color(key[0] * 64 + key[1])
            name = f"rfid {key[0]}/{key[1]} ({st.kind})"
            self._rec.log(
                path,
                rr.SeriesLines(
                    names=[f"{name} reads/s", f"{name} tags/s"],
                    colors=[color, style.paler(color, 0.4)],
                    widths=[1.5, 1.0],
                    visible_series=[True, False],  # toggle tags/s in the legend
                ),
                static=True,
            )
        arr = np.asarray(out, dtype=np.float64)
        self._rec.send_columns(
            path,
            indexes=[paths.time_column(arr[:, 0].astype(np.int64))],
            columns=rr.Scalars.columns(scalars=arr[:, 1:]),
        )
        self.bins += len(out)

    def _log_rows(
        self,
        key: tuple[int, int],
        st: _Antenna,
        t: np.ndarray,
        epc: np.ndarray,
        rssi: np.ndarray,
        bins: np.ndarray,
    ) -> None:
        starts = np.flatnonzero(np.r_[True, bins[1:] != bins[:-1]])
        ends = np.r_[starts[1:], len(bins)]
        times: list[int] = []
        texts: list[str] = []
        for a, z in zip(starts.tolist(), ends.tolist(), strict=True):
            tags, first_idx, n = np.unique(epc[a:z], return_index=True, return_counts=True)
            if st.kind == "exit":
                best = {tag: float(rssi[a:z][epc[a:z] == tag].max()) for tag in tags.tolist()}
                listed = [
                    f"{tag} ×{c} ({best[tag]:.0f} dBm)"
                    for tag, c in zip(tags.tolist(), n.tolist(), strict=True)
                ]
                times.append(int(t[a]))
                texts.append(
                    f"exit antenna {key[0]}/{key[1]}: {len(tags)} tag(s) read: " + _listing(listed)
                )
            else:
                new = [i for i, tag in enumerate(tags.tolist()) if tag not in st.seen]
                if not new:
                    continue
                st.seen.update(tags[new].tolist())
                times.append(int(t[a:z][first_idx[new].min()]))
                texts.append(
                    f"shelf antenna {key[0]}/{key[1]}: {len(new)} tag(s) read here for the "
                    f"first time ({len(st.seen)} so far): " + _listing(tags[new].tolist())
                )
        st.text_t += times
        st.texts += texts

    def _send_texts(self, key: tuple[int, int], st: _Antenna) -> None:
        times, texts = st.text_t, st.texts
        st.text_t, st.texts = [], []
        level = rr.TextLogLevel.INFO if st.kind == "exit" else rr.TextLogLevel.DEBUG
        self._rec.send_columns(
            paths.antenna_reads(*key),
            indexes=[paths.time_column(np.asarray(times, dtype=np.int64))],
            columns=rr.TextLog.columns(text=texts, level=[level] * len(texts)),
        )
        self.rows += len(times)

    def counts(self) -> Mapping[str, int]:
        """Rate rows and text rows logged."""
        return {"rfid_bins": self.bins, "rfid_rows": self.rows}


def _listing(items: list[str]) -> str:
    shown = ", ".join(items[:_LIST_TAGS])
    more = len(items) - _LIST_TAGS
    return shown + (f", … +{more} more" if more > 0 else "")
