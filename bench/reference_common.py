"""Shared by the two reference loops: reads the candles the comparison wrote (kbot's columnar cache
format: a 64-byte header, then six little-endian float64 columns), and the simple work's settings."""
import json
import sys

import numpy as np

FAST, SLOW, RSI_PERIOD, RSI_MAX = 20, 50, 14, 70.0
STOP, TARGET = 0.02, 0.03
FEE, SLIPPAGE = 0.004, 0.0005
HEADER_BYTES = 64


def load(path):
    """(open_time_ms, open, high, low, close, volume) columns of one pair."""
    with open(path, 'rb') as f:
        header = f.read(HEADER_BYTES)
        if header[:4] != b'KBC1':
            raise SystemExit(f'{path}: not a kbot candle cache file')
        n = int.from_bytes(header[8:12], 'little')
        cols = np.fromfile(f, dtype='<f8', count=6 * n).reshape(6, n)
    return cols


def report(name, seconds, steps, trades, net, extra=None):
    out = {'reference': name, 'seconds': seconds, 'candleSteps': steps, 'stepsPerSecond': steps / seconds, 'trades': trades, 'netPnlQuote': net}
    out.update(extra or {})
    print(json.dumps(out))
    sys.stdout.flush()
