"""The detail chart's value axis: round ticks inside the data, so lines sit on labels."""

from __future__ import annotations

import math
import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sensortop.model.specs import Limits, SensorSpec
from sensortop.tui.chart import build_chart, value_ticks

finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(finite, st.floats(min_value=1e-6, max_value=1e9), st.integers(1, 20))
def test_ticks_are_round_evenly_spaced_and_inside_the_range(low: float, span: float,
                                                            count: int) -> None:
    span = max(span, abs(low) * 1e-6)  # a span the float can hold, as any sensor's is
    high = low + span
    ticks, labels = value_ticks(low, high, count)
    assert len(ticks) == len(labels) <= 2 * count + 1  # none where no round value fits
    assert all(low - 1e-9 * abs(low) <= t <= high + 1e-9 * abs(high) for t in ticks)
    steps = np.diff(ticks)
    if len(steps):
        step = steps[0]
        assert np.allclose(steps, step)
        mantissa = step / 10 ** math.floor(math.log10(step))
        assert any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 2.5, 5, 10))
        assert all(math.isclose(float(label), t, rel_tol=1e-9, abs_tol=step / 100)
                   for label, t in zip(labels, ticks, strict=True))


def test_the_chart_labels_its_values_with_round_numbers() -> None:
    spec = SensorSpec(id="t", setpoint=150.0, limits=Limits(lo=140.0, hi=160.0))
    ts = 1_790_000_000.0 + np.arange(240) * 0.5
    values = np.linspace(129.9, 254.4, 240)
    text = build_chart(spec, ts, values, 120, 40).plain
    labels = [m.group(1) for line in text.splitlines()
              if (m := re.match(r"\s*(-?[\d.]+)[┤├]", line))]
    assert labels, text
    assert set(labels) <= set(value_ticks(129.9, 254.4, 10)[1])
    assert "140" in labels and "240" in labels
