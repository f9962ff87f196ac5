"""``sensortop alarms``: the definitions on small hand-made journals, the text report,
the ``--json`` contract, and bad usage."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sensortop.cli.alarms import run_alarms
from sensortop.review.alarm_kpis import compute_kpis
from sensortop.review.journal import Entry

ROOT = Path(__file__).resolve().parents[1]
P = 1_795_000_200.0  # the start of a 10-minute period of the UTC clock
assert P % 600 == 0


def raises(*times: float, key: tuple[str, str] = ("t", "hi")) -> list[Entry]:
    return [Entry(P + t, key[0], key[1], "high", "raise", "unack") for t in times]


def test_periods_are_aligned_to_the_utc_clock_and_a_flood_has_hysteresis() -> None:
    # Period 0: 11 raises (flood starts), period 1: 5 (stays), period 2: 4 (ends),
    # period 3: 10 (not more than 10: no flood).
    times = [i for i in range(11)] + [600 + i for i in range(5)] + \
        [1200 + i for i in range(4)] + [1800 + i * 50 for i in range(10)]
    entries = [Entry(P + t, f"s{t}", "hi", "low", "raise", "unack") for t in times]
    kpis = compute_kpis(entries)
    assert (kpis.periods, kpis.raises, kpis.peak, kpis.peak_start) == (4, 30, 11, P)
    assert kpis.flood_periods == 2 and kpis.flood_share == 0.5
    # Starting mid-period still counts the whole clock period it falls in.
    kpis = compute_kpis(entries, since=P + 599, until=P + 600)
    assert (kpis.periods, kpis.raises) == (2, 1)


def test_a_realarm_is_not_an_alarm_and_chattering_needs_three_within_a_minute() -> None:
    entries = raises(0, 30, 60) + raises(0, 30, 61, key=("u", "lo")) + \
        [Entry(P + 5, "t", "hi", "high", "realarm", "unack")]
    entries.sort(key=lambda e: e.ts)
    kpis = compute_kpis(entries)
    assert (kpis.raises, kpis.realarms) == (6, 1)
    assert [(c.sensor, c.most_in_a_minute) for c in kpis.chattering] == [("t", 3)]


def write_journal(folder: Path) -> Path:
    lines = [{"ts": datetime.fromtimestamp(P + t, UTC).isoformat().replace("+00:00", "Z"),
              "sensor": "reactor_temp", "alarm": "hi", "priority": "high", "event": event,
              "from": "normal", "to": to, "value": 161.0, "limit": 160.0}
             for t, event, to in [(10, "raise", "unack"), (12, "clear", "rtn_unack"),
                                  (700, "raise", "unack"), (760, "ack", "acked"),
                                  (900, "clear", "normal")]]
    lines.append({**lines[0], "ts": lines[0]["ts"].replace("Z", "+00:00"), "event": "shelve",
                  "to": "shelved", "user": "op", "until": "2026-11-18T12:00:00Z"})
    path = folder / "events-20261118-110000.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in lines) + "[1, 2]\n")
    return path


def run(*args: str, now: float = P + 3600) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    paths = [a for a in args if not a.startswith("-")]
    flags = [a for a in args if a.startswith("-")]
    since = next((f.split("=", 1)[1] for f in flags if f.startswith("--since=")), None)
    code = run_alarms(paths, since, None, "--json" in flags, None,
                      now=datetime.fromtimestamp(now, UTC), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_the_text_report_shows_each_figure_beside_its_target(tmp_path: Path) -> None:
    write_journal(tmp_path)
    code, out, err = run(str(tmp_path))
    assert code == 0
    assert "skipped 1 line(s) that are not journal entries (0 torn, 1 malformed)" in err
    assert "events-20261118-110000.jsonl:7: malformed: not a JSON object" in err
    rows = {line.split("  ")[0]: line for line in out.splitlines()}
    assert "2" in rows["alarms (raises)"].split() and "(high 2)" in rows["alarms (raises)"]
    assert rows["average per 10 minutes"].split()[4:] == [
        "1.00", "ok", "target", "~1", "very", "likely", "acceptable,", "2", "at", "most",
        "manageable", "(ISA-18.2)"]
    assert rows["peak 10-minute count"].endswith(" 1  ok    target at most 10 (ISA-18.2)")
    assert "fleeting (active under 5 s)" in out and "reactor_temp hi: 1 episodes" in out
    assert "reactor_temp hi: 1 time(s)" in out


def test_json_is_the_documented_document(tmp_path: Path) -> None:
    path = write_journal(tmp_path)
    code, out, _ = run(str(path), "--json")
    doc = json.loads(out)
    assert code == 0 and doc["version"] == 1 and doc["files"] == [str(path)]
    assert (doc["alarms"], doc["realarms"], doc["periods"], doc["period_s"]) == (2, 0, 2, 600.0)
    assert doc["per_10min"] == {"value": 1.0, "meets_target": True, "target":
                                "~1 very likely acceptable, 2 at most manageable (ISA-18.2)"}
    assert doc["peak_10min"]["value"] == 1 and doc["peak_10min"]["start"].endswith(":00.000Z")
    assert doc["flood"]["value"] == 0.0 and doc["flood"]["periods"] == 0
    assert doc["top"]["alarms"] == [{"sensor": "reactor_temp", "alarm": "hi",
                                     "priority": "high", "raises": 2, "share": 1.0}]
    assert doc["fleeting"]["threshold_s"] == 5.0
    assert doc["fleeting"]["alarms"] == [{"sensor": "reactor_temp", "alarm": "hi",
                                          "episodes": 1, "shortest_s": 2.0}]
    assert doc["shelved"]["alarms"][0]["times"] == 1
    assert doc["skipped"]["malformed"] == 1
    assert set(doc) == {"version", "files", "since", "until", "start", "end", "period_s",
                        "periods", "entries", "skipped", "alarms", "realarms", "by_priority",
                        "per_10min", "per_hour", "peak_10min", "flood", "top", "chattering",
                        "fleeting", "standing", "shelved"}


def test_bad_usage_is_exit_2_and_an_empty_folder_says_so(tmp_path: Path) -> None:
    assert run(str(tmp_path / "missing"))[0] == 2
    code, _, err = run(str(tmp_path), "--since=yesterday")
    assert code == 2 and "not a time: 'yesterday'" in err
    code, out, err = run(str(tmp_path))
    assert code == 0 and out == "no alarm journal entries\n"
    assert "no alarm journals (events-*.jsonl) found" in err


def test_the_command_line_runs_it(tmp_path: Path) -> None:
    write_journal(tmp_path)
    done = subprocess.run([sys.executable, "-m", "sensortop", "alarms", "--log-dir",
                           str(tmp_path), "--json"], capture_output=True, text=True,
                          cwd=tmp_path, env={"PYTHONPATH": str(ROOT / "src")}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["alarms"] == 2


def test_what_is_not_a_journal_entry_says_why() -> None:
    from sensortop.review.journal import parse_entry

    good = {"ts": "2026-11-18T11:00:00Z", "sensor": "t", "alarm": "hi", "priority": "high",
            "event": "shelve", "to": "shelved", "until": "2026-11-18T12:00:00Z"}
    entry = parse_entry(good, run=3)
    assert not isinstance(entry, str)
    assert (entry.until, entry.run) == (entry.ts + 3600, 3)
    assert parse_entry(good | {"ts": "yesterday"}) == "bad ts 'yesterday'"
    assert parse_entry(good | {"sensor": ""}) == "bad sensor ''"
    assert parse_entry(good | {"priority": 3}) == "bad priority 3"
    assert parse_entry({k: v for k, v in good.items() if k != "to"}) == "bad to None"
    assert parse_entry(good | {"event": "explode"}) == "bad event 'explode'"
    assert parse_entry([1]) == "not a JSON object"


def test_a_huge_line_and_binary_junk_are_skipped_unread(tmp_path: Path) -> None:
    path = write_journal(tmp_path)
    with path.open("ab") as out:
        out.write(b'{"ts": "' + b"9" * (6 << 20) + b'"}\n')
        out.write(b"\x00\xff\xfe garbage\n")
    code, out_text, _ = run(str(path), "--json")
    doc = json.loads(out_text)
    assert code == 0 and doc["alarms"] == 2 and doc["skipped"]["malformed"] == 3
    reasons = [line["detail"] for line in doc["skipped"]["lines"]]
    assert reasons[0] == "not a JSON object" and "longer than" in reasons[1]
    assert reasons[2].startswith("not JSON")
