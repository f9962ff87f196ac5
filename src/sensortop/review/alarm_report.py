"""The alarm KPI report as text (the CLI and the review screen) and as the ``--json``
document; the README's "Alarm KPIs: sensortop alarms" is the contract for both."""

from __future__ import annotations

from sensortop.logs.format import format_ts
from sensortop.review.alarm_kpis import (
    CHATTER_RAISES,
    CHATTER_WINDOW,
    FLEETING,
    PERIOD,
    STANDING,
    TARGETS,
    AlarmKpis,
)
from sensortop.review.formatting import duration, short_time
from sensortop.review.journal import Journal
from sensortop.review.safetext import printable

JSON_VERSION = 1
LISTED = 10
"""Rows listed under chattering, fleeting, standing and shelved in the text report."""


def _mark(kpis: AlarmKpis, name: str) -> str:
    verdict = kpis.verdicts().get(name)
    return "" if verdict is None else ("ok" if verdict else "OVER")


def _row(label: str, value: str, target: str = "", mark: str = "") -> str:
    """``label  value  ok|OVER  target: ...``: the verdict before the target's words, so a
    narrow screen that wraps the line still shows it beside the figure."""
    text = f"{label:<32} {value:>12}"
    return f"{text}  {mark:<4}  target {target}" if target else text


def report_text(kpis: AlarmKpis) -> str:
    """The report, each figure beside its target; times in UTC."""
    if kpis.start is None or kpis.end is None:
        return "no alarm journal entries\n"
    lines = [f"alarm KPIs from {short_time(kpis.start)} to {short_time(kpis.end)} UTC: "
             f"{kpis.periods:,} ten-minute periods, {kpis.entries:,} journal entries", ""]
    by_priority = ", ".join(f"{printable(p)} {n:,}" for p, n in kpis.by_priority.items())
    lines += [
        _row("alarms (raises)", f"{kpis.raises:,}") + (f"   ({by_priority})" if by_priority
                                                       else ""),
        _row("re-alarms (not counted above)", f"{kpis.realarms:,}"),
        _row("average per 10 minutes", f"{kpis.per_10min:.2f}", TARGETS["per_10min"],
             _mark(kpis, "per_10min")),
        _row("average per hour", f"{kpis.per_hour:.1f}", TARGETS["per_hour"],
             _mark(kpis, "per_hour")),
        _row("peak 10-minute count", f"{kpis.peak:,}", TARGETS["peak_10min"],
             _mark(kpis, "peak_10min"))
        + (f"\n  at {short_time(kpis.peak_start)} UTC" if kpis.peak_start is not None
           and kpis.peak else ""),
        _row("periods in flood", f"{kpis.flood_share:.1%}", TARGETS["flood_share"],
             _mark(kpis, "flood_share"))
        + f"\n  {kpis.flood_periods:,} of {kpis.periods:,} periods",
        _row(f"top {len(kpis.top)} alarms' share of load", f"{kpis.top_share:.1%}",
             TARGETS["top_share"]),
    ]
    lines += [f"  {i:>2}. {printable(t.sensor)} {printable(t.alarm)} ({printable(t.priority)}): "
              f"{t.raises:,} ({t.share:.1%})" for i, t in enumerate(kpis.top, 1)]
    lines.append(_row(f"chattering ({CHATTER_RAISES}+ raises in {CHATTER_WINDOW:g} s)",
                      f"{len(kpis.chattering):,}", TARGETS["chattering"],
                      _mark(kpis, "chattering")))
    lines += [f"      {printable(c.sensor)} {printable(c.alarm)}: {c.raises:,} raises, "
              f"{c.most_in_a_minute} within a minute" for c in kpis.chattering[:LISTED]]
    lines.append(_row(f"fleeting (active under {FLEETING:g} s)", f"{len(kpis.fleeting):,}",
                      TARGETS["fleeting"], _mark(kpis, "fleeting")))
    lines += [f"      {printable(f.sensor)} {printable(f.alarm)}: {f.episodes:,} episodes, "
              f"shortest {duration(f.shortest)}" for f in kpis.fleeting[:LISTED]]
    lines.append(_row(f"standing (active over {STANDING / 3600:g} h)", f"{len(kpis.standing):,}",
                      TARGETS["standing"], _mark(kpis, "standing")))
    lines += [f"      {printable(s.sensor)} {printable(s.alarm)}: active {duration(s.active)} "
              f"from {short_time(s.raised)}{'' if s.cleared else ', not cleared'}"
              for s in kpis.standing[:LISTED]]
    lines.append(_row("shelved alarms", f"{len(kpis.shelved):,}", TARGETS["shelved"]))
    lines += [f"      {printable(s.sensor)} {printable(s.alarm)}: {s.times:,} time(s), "
              f"{duration(s.total)} in all, longest {duration(s.longest)}"
              f"{', still shelved' if s.still_shelved else ''}" for s in kpis.shelved[:LISTED]]
    for name, rows in (("chattering", kpis.chattering), ("fleeting", kpis.fleeting),
                       ("standing", kpis.standing), ("shelved", kpis.shelved)):
        if len(rows) > LISTED:
            lines.append(f"  ... and {len(rows) - LISTED:,} more {name} (--json lists all)")
    return "\n".join(lines) + "\n"


def _iso(ts: float | None) -> str | None:
    return None if ts is None else format_ts(ts)


def kpis_json(kpis: AlarmKpis, journal: Journal, since: float | None,
              until: float | None) -> dict[str, object]:
    """The ``--json`` document (README "Alarm KPIs: sensortop alarms", field by field)."""
    verdicts = kpis.verdicts()

    def figure(name: str, value: object) -> dict[str, object]:
        return {"value": value, "target": TARGETS[name], "meets_target": verdicts.get(name)}

    return {
        "version": JSON_VERSION,
        "files": [str(p) for p in journal.files],
        "since": _iso(since), "until": _iso(until),
        "start": _iso(kpis.start), "end": _iso(kpis.end),
        "period_s": PERIOD, "periods": kpis.periods,
        "entries": kpis.entries,
        "skipped": {"torn": journal.torn, "malformed": journal.malformed,
                    "lines": [{"file": str(s.path), "line": s.line, "reason": s.reason,
                               "detail": s.detail} for s in journal.skipped]},
        "alarms": kpis.raises, "realarms": kpis.realarms, "by_priority": kpis.by_priority,
        "per_10min": figure("per_10min", kpis.per_10min),
        "per_hour": figure("per_hour", kpis.per_hour),
        "peak_10min": figure("peak_10min", kpis.peak) | {"start": _iso(kpis.peak_start)},
        "flood": figure("flood_share", kpis.flood_share) | {"periods": kpis.flood_periods},
        "top": figure("top_share", kpis.top_share) | {"alarms": [
            {"sensor": t.sensor, "alarm": t.alarm, "priority": t.priority, "raises": t.raises,
             "share": t.share} for t in kpis.top]},
        "chattering": figure("chattering", len(kpis.chattering)) | {
            "raises": CHATTER_RAISES, "window_s": CHATTER_WINDOW, "alarms": [
                {"sensor": c.sensor, "alarm": c.alarm, "raises": c.raises,
                 "most_in_window": c.most_in_a_minute} for c in kpis.chattering]},
        "fleeting": figure("fleeting", len(kpis.fleeting)) | {
            "threshold_s": FLEETING, "alarms": [
                {"sensor": f.sensor, "alarm": f.alarm, "episodes": f.episodes,
                 "shortest_s": f.shortest} for f in kpis.fleeting]},
        "standing": figure("standing", len(kpis.standing)) | {
            "threshold_s": STANDING, "alarms": [
                {"sensor": s.sensor, "alarm": s.alarm, "raised": _iso(s.raised),
                 "active_s": s.active, "cleared": s.cleared} for s in kpis.standing]},
        "shelved": figure("shelved", len(kpis.shelved)) | {"alarms": [
            {"sensor": s.sensor, "alarm": s.alarm, "times": s.times, "total_s": s.total,
             "longest_s": s.longest, "still_shelved": s.still_shelved}
            for s in kpis.shelved]},
    }
