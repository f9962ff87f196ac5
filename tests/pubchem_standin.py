"""A PUG REST stand-in on 127.0.0.1 that answers the way PubChem does.

Shapes, fault codes and messages, and headers follow responses recorded from
the live PubChem service (the bodies are copied into test_pubchem_standin.py,
which checks this stand-in against them). It enforces PubChem's
"more than 5 requests in any one second -> 503 PUGREST.ServerBusy", counts
every request so tests can assert that a cached repeat costs none, and can be
told to be slow, busy, under maintenance (an HTML 503) or to hang.

Where no recording exists the answer is our best rendering of PubChem's docs,
marked "not recorded" below.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

TEXTBOOK_NAMES = [
    "water", "ethanol", "acetic acid", "ammonia", "glucose",
    "benzene", "caffeine", "aspirin", "toluene", "methanol",
]  # fmt: skip

# Properties per CID under the 2025 names; MolecularWeight a string as PubChem sends it now.
# Aspirin and triclosan are copied from the webchem recording; caffeine's MF/MW/IUPAC from
# the tutorial example; CIDs 1-4 from the chemistry_tools cassette; 79025 from MetMashR.
COMPOUNDS: dict[int, dict[str, Any]] = {
    962: {"MolecularFormula": "H2O", "MolecularWeight": "18.015", "IUPACName": "oxidane",
          "SMILES": "O", "ConnectivitySMILES": "O",
          "InChIKey": "XLYOFNOQVPJJNP-UHFFFAOYSA-N", "XLogP": -0.5},
    702: {"MolecularFormula": "C2H6O", "MolecularWeight": "46.07", "IUPACName": "ethanol",
          "SMILES": "CCO", "ConnectivitySMILES": "CCO",
          "InChIKey": "LFQSCWFLJHTTHZ-UHFFFAOYSA-N", "XLogP": -0.1},
    176: {"MolecularFormula": "C2H4O2", "MolecularWeight": "60.05", "IUPACName": "acetic acid",
          "SMILES": "CC(=O)O", "ConnectivitySMILES": "CC(=O)O",
          "InChIKey": "QTBSBXVTEAMEQO-UHFFFAOYSA-N", "XLogP": -0.2},
    222: {"MolecularFormula": "H3N", "MolecularWeight": "17.031", "IUPACName": "azane",
          "SMILES": "N", "ConnectivitySMILES": "N",
          "InChIKey": "QGZKDVFQNNGYKY-UHFFFAOYSA-N"},  # no XLogP, as for salts
    5793: {"MolecularFormula": "C6H12O6", "MolecularWeight": "180.16",
           "IUPACName": "(3R,4S,5S,6R)-6-(hydroxymethyl)oxane-2,3,4,5-tetrol",
           "SMILES": "C([C@@H]1[C@H]([C@@H]([C@H](C(O1)O)O)O)O)O",
           "ConnectivitySMILES": "C(C1C(C(C(C(O1)O)O)O)O)O",
           "InChIKey": "WQZGKKKJIJFFOK-GASJEMHNSA-N", "XLogP": -2.6},
    241: {"MolecularFormula": "C6H6", "MolecularWeight": "78.11", "IUPACName": "benzene",
          "SMILES": "C1=CC=CC=C1", "ConnectivitySMILES": "C1=CC=CC=C1",
          "InChIKey": "UHOVQNZJYSORNB-UHFFFAOYSA-N", "XLogP": 2.1},
    2519: {"MolecularFormula": "C8H10N4O2", "MolecularWeight": "194.19",
           "IUPACName": "1,3,7-trimethylpurine-2,6-dione",
           "SMILES": "CN1C=NC2=C1C(=O)N(C(=O)N2C)C",
           "ConnectivitySMILES": "CN1C=NC2=C1C(=O)N(C(=O)N2C)C",
           "InChIKey": "RYYVLZVUVIJVGH-UHFFFAOYSA-N", "XLogP": -0.1},
    2244: {"MolecularFormula": "C9H8O4", "MolecularWeight": "180.16",
           "IUPACName": "2-acetyloxybenzoic acid",
           "SMILES": "CC(=O)OC1=CC=CC=C1C(=O)O", "ConnectivitySMILES": "CC(=O)OC1=CC=CC=C1C(=O)O",
           "InChIKey": "BSYNRYMUTXBXSQ-UHFFFAOYSA-N", "XLogP": 1.2},
    1140: {"MolecularFormula": "C7H8", "MolecularWeight": "92.14", "IUPACName": "toluene",
           "SMILES": "CC1=CC=CC=C1", "ConnectivitySMILES": "CC1=CC=CC=C1",
           "InChIKey": "YXFVVABEGXRONW-UHFFFAOYSA-N", "XLogP": 2.7},
    887: {"MolecularFormula": "CH4O", "MolecularWeight": "32.042", "IUPACName": "methanol",
          "SMILES": "CO", "ConnectivitySMILES": "CO",
          "InChIKey": "OKKJLVBELUTLKV-UHFFFAOYSA-N", "XLogP": -0.5},
    5564: {"MolecularFormula": "C12H7Cl3O2", "MolecularWeight": "289.5",
           "IUPACName": "5-chloro-2-(2,4-dichlorophenoxy)phenol",
           "SMILES": "C1=CC(=C(C=C1Cl)O)OC2=C(C=C(C=C2)Cl)Cl",
           "ConnectivitySMILES": "C1=CC(=C(C=C1Cl)O)OC2=C(C=C(C=C2)Cl)Cl",
           "InChIKey": "XEFQLINVKFYRCS-UHFFFAOYSA-N", "XLogP": 5},
    1493: {"MolecularFormula": "C6H4N2O5", "MolecularWeight": "184.11",
           "IUPACName": "2,4-dinitrophenol",
           "SMILES": "C1=CC(=C(C=C1[N+](=O)[O-])[N+](=O)[O-])O",
           "ConnectivitySMILES": "C1=CC(=C(C=C1[N+](=O)[O-])[N+](=O)[O-])O",
           "InChIKey": "UFBJCMHMOXMLKC-UHFFFAOYSA-N", "XLogP": 1.7},
    79025: {"MolecularFormula": "C6H12O6", "MolecularWeight": "180.16",
            "InChIKey": "WQZGKKKJIJFFOK-DVKNGEFBSA-N"},
    1: {"SMILES": "CC(=O)OC(CC(=O)[O-])C[N+](C)(C)C",
        "InChIKey": "RDHQFKQIGNGIED-UHFFFAOYSA-N", "XLogP": 0.4},
    2: {"SMILES": "CC(=O)OC(CC(=O)O)C[N+](C)(C)C",
        "InChIKey": "RDHQFKQIGNGIED-UHFFFAOYSA-O", "XLogP": -0.3},
    3: {"SMILES": "C1=CC(C(C(=C1)C(=O)O)O)O",
        "InChIKey": "INCSWYKICIYAHB-UHFFFAOYSA-N", "XLogP": -0.3},
    4: {"SMILES": "CC(CN)O", "InChIKey": "HXKKHQJGJAFBHI-UHFFFAOYSA-N", "XLogP": -1},
}  # fmt: skip

# Synonyms, first = the title; every synonym is also a name the stand-in knows.
SYNONYMS: dict[int, list[str]] = {
    962: ["water", "oxidane", "7732-18-5", "dihydrogen oxide"],
    702: ["ethanol", "ethyl alcohol", "64-17-5", "alcohol"],
    176: ["acetic acid", "64-19-7", "ethanoic acid", "glacial acetic acid"],
    222: ["ammonia", "7664-41-7", "azane"],
    5793: ["glucose", "D-glucose", "50-99-7", "dextrose"],
    241: ["benzene", "71-43-2", "benzol"],
    2519: ["caffeine", "58-08-2", "guaranine", "theine"],
    # the first entries of the recorded 477 (synonyms_name_aspirin_POST_webchem.json)
    2244: ["aspirin", "ACETYLSALICYLIC ACID", "50-78-2", "2-Acetoxybenzoic acid",
           "2-(Acetyloxy)benzoic acid", "O-Acetylsalicylic acid", "Acetylsalicylate",
           "o-Acetoxybenzoic acid", "Acylpyrin", "Easprin", "Ecotrin",
           "Salicylic acid acetate"],
    1140: ["toluene", "108-88-3", "methylbenzene", "toluol"],
    887: ["methanol", "67-56-1", "methyl alcohol", "wood alcohol"],
    5564: ["triclosan", "3380-34-5"],
    1493: ["2,4-dinitrophenol", "51-28-5"],
    79025: ["alpha-D-glucose", "C00267"],
}  # fmt: skip

PROPERTY_NAMES_2025 = {
    "MolecularFormula", "MolecularWeight", "IUPACName", "SMILES", "ConnectivitySMILES",
    "IsomericSMILES", "CanonicalSMILES", "InChIKey", "XLogP",
}  # fmt: skip
# 2025: the old names are still accepted in a request; the answer carries the new ones.
_ANSWER_KEY_2025 = {"IsomericSMILES": "SMILES", "CanonicalSMILES": "ConnectivitySMILES"}
_SOURCE_KEY_LEGACY = {"IsomericSMILES": "SMILES", "CanonicalSMILES": "ConnectivitySMILES"}

# Recorded bodies (fault_*.json in the recordings).
NOT_FOUND_NAME = {"Fault": {"Code": "PUGREST.NotFound", "Message": "No CID found",
                            "Details": ["No CID found that matches the given name"]}}  # fmt: skip
BAD_REQUEST_CID = {"Fault": {"Code": "PUGREST.BadRequest", "Message": "Missing CID list",
                             "Details": ["Expected a comma-separated list of CIDs via URL or POST"]}}  # fmt: skip  # noqa: E501
SERVER_BUSY = {"Fault": {"Code": "PUGREST.ServerBusy",
                         "Message": "Too many requests or server too busy"}}  # fmt: skip
# Not recorded: PubChem's wording for these is our best guess.
NOT_FOUND_CID = {"Fault": {"Code": "PUGREST.NotFound",
                           "Message": "No records found for the given CID(s)"}}  # fmt: skip
MAINTENANCE_HTML = (
    "<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head>\n"
    "<body><h1>Service Unavailable</h1>\n<p>PubChem is undergoing scheduled maintenance."
    " Please try again later.</p></body></html>\n"
)
APACHE_404_HTML = (
    "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n"
    "<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n"
    "<p>The requested URL was not found on this server.</p>\n</body></html>\n"
)

AUTO = "auto"

#: What ``broken_names`` can make the stand-in do to a look-up of that name. None of this
#: is PubChem's: it is what a proxy, a captive portal or a broken mirror may answer.
BROKEN_KINDS = (
    "properties_not_objects",  # 200, PropertyTable.Properties == ["x"]
    "redirect_loop",  # 302 to the very same URL, forever
    "redirect_once",  # 302 to the same URL plus "?hopped", which is then answered normally
    "bad_gzip",  # Content-Encoding: gzip on a body that is not gzip
    "html_200",  # a 200 whose body is an HTML page
    "not_utf8",  # a 200 whose JSON is Latin-1, not UTF-8
    "deep_json",  # a 200 of 100,000 nested arrays
    "huge",  # a 200 of 9 MB
    "trickle",  # headers, then one byte every 50 ms, never finishing
    "escapes",  # a found compound whose IUPAC name holds terminal escape sequences
    "huge_cid",  # a CID of 1,000 digits
    "too_many_requests",  # a proxy's 429 with an HTML body
)


def _bad_request(message: str, *details: str) -> dict[str, Any]:
    fault: dict[str, Any] = {"Code": "PUGREST.BadRequest", "Message": message}
    if details:
        fault["Details"] = list(details)
    return {"Fault": fault}


def _colour(percent: float) -> str:
    """PubChem's thresholds: Green < 50 %, Yellow 50-75 %, Red > 75 %."""
    if percent < 50:
        return "Green"
    return "Yellow" if percent <= 75 else "Red"


@dataclass(frozen=True)
class Seen:
    """One request as the stand-in saw it."""

    at: float
    method: str
    path: str
    name: str | None
    status: int


class PubChemStandin:
    """The server; attributes may be changed while it runs (each is read per request)."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        per_second: int = 5,
        retry_after: str | None = "30",
        legacy_smiles: bool = False,
    ) -> None:
        self.latency = latency
        self.per_second = per_second
        self.retry_after = retry_after
        self.legacy_smiles = legacy_smiles  # answer like 2021: old SMILES names, MW a number
        self.enforce_rate = True
        self.slow_names: dict[str, float] = {}
        self.busy_next = 0  # forced JSON 503 ServerBusy for the next N requests
        self.maintenance_next = 0  # forced HTML 503 for the next N requests
        self.black_next = 0  # 503 with a Black X-Throttling-Control for the next N requests
        self.bad_request_next = 0  # forced 400 PUGREST.BadRequest for the next N requests
        self.hang = False  # hold every request until stop()
        self.hold_names: set[str] = set()  # hold look-ups of these names until release_held()
        self.throttle_header: str | None = AUTO  # AUTO: computed; None: omitted
        self.broken_names: dict[str, str] = {}  # name (any case) -> one of BROKEN_KINDS
        self.names: dict[str, list[int]] = {}
        for cid, synonyms in SYNONYMS.items():
            for synonym in synonyms:
                self.names.setdefault(synonym.casefold(), []).append(cid)
        self.compounds = {cid: dict(props) for cid, props in COMPOUNDS.items()}
        self.seen: list[Seen] = []
        self._arrivals: deque[float] = deque()
        self._arrived = 0
        self._minute: deque[float] = deque()
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._held_released = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- control ----------------------------------------------------------------

    def add_name(self, name: str, *cids: int) -> None:
        """Teach the stand-in another name (one name may match several CIDs)."""
        self.names[name.strip().casefold()] = list(cids)

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The PUG REST base, as ``--pubchem-url`` takes it."""
        return f"http://127.0.0.1:{self.port}/rest/pug"

    @property
    def request_count(self) -> int:
        """Requests that have arrived, answered or not yet."""
        with self._lock:
            return self._arrived

    def statuses(self) -> list[int]:
        with self._lock:
            return [s.status for s in self.seen]

    def reset_counts(self) -> None:
        with self._lock:
            self.seen.clear()
            self._arrived = 0

    def start(self) -> PubChemStandin:
        standin = self

        class Handler(_Handler):
            pass

        Handler.standin = standin
        self._released.clear()
        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="pubchem-standin", daemon=True
        )
        self._thread.start()
        return self

    def release_held(self) -> None:
        """Let the look-ups of ``hold_names`` answer."""
        self._held_released.set()

    def stop(self) -> None:
        self._released.set()
        self._held_released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> PubChemStandin:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- the rules ----------------------------------------------------------------

    def _arrive(self) -> tuple[bool, str]:
        """Record an arrival; (over the per-second limit?, the throttling header value)."""
        now = time.monotonic()
        with self._lock:
            self._arrived += 1
            self._arrivals.append(now)
            while self._arrivals and self._arrivals[0] <= now - 1.0:
                self._arrivals.popleft()
            self._minute.append(now)
            while self._minute and self._minute[0] <= now - 60.0:
                self._minute.popleft()
            over = self.enforce_rate and len(self._arrivals) > self.per_second
            count_pct = round(100 * len(self._minute) / 400)
        header = (
            f"Request Count status: {_colour(count_pct)} ({count_pct}%), "
            "Request Time status: Green (0%), Service status: Green (13%)"
        )
        return over, header

    def _take(self, attr: str) -> bool:
        with self._lock:
            left = getattr(self, attr)
            if left > 0:
                setattr(self, attr, left - 1)
                return True
            return False

    def _record(self, at: float, method: str, path: str, name: str | None,
                status: int) -> None:
        with self._lock:
            self.seen.append(Seen(at, method, path, name, status))

    def wait_released(self, timeout: float) -> None:
        self._released.wait(timeout)


class _Server(ThreadingHTTPServer):
    request_queue_size = 64  # the default 5 turns a burst of connects into 1-s SYN retries
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout, cancelled look-up) is normal here, not news."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    standin: PubChemStandin
    protocol_version = "HTTP/1.1"
    server_version = "Apache"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # quiet in tests
        pass

    # -- replies ----------------------------------------------------------------

    def _reply(
        self,
        status: int,
        body: Any,
        *,
        content_type: str = "application/json",
        throttle: str | None = None,
        extra: dict[str, str] | None = None,
    ) -> None:
        raw = body if isinstance(body, str) else json.dumps(body, indent=2, ensure_ascii=False)
        data = (raw + ("" if raw.endswith("\n") else "\n")).encode("utf-8")
        # PubChem puts the Fault code in the status line: "HTTP/1.1 404 PUGREST.NotFound".
        fault = body.get("Fault") if isinstance(body, dict) else None
        self.send_response(status, fault["Code"] if fault else None)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Access-Control-Allow-Origin", "*")
        header = self.standin.throttle_header
        value = throttle if header == AUTO else header
        if value is not None:
            self.send_header("X-Throttling-Control", value)
        for key, val in (extra or {}).items():
            self.send_header(key, val)
        self.end_headers()
        self._status = status
        # Recorded before the answer leaves: a client that has its answer can count on it.
        self.standin._record(self._arrived_at, self._method, self.path, self._name, status)
        self._recorded = True
        self.wfile.write(data)

    def _retry_after(self) -> dict[str, str]:
        ra = self.standin.retry_after
        return {"Retry-After": ra} if ra is not None else {}

    # -- dispatch ----------------------------------------------------------------

    def do_GET(self) -> None:
        self._handle("GET", {})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        self._handle("POST", form)

    def _handle(self, method: str, form: dict[str, str]) -> None:
        standin = self.standin
        self._arrived_at = time.monotonic()
        self._method = method
        self._recorded = False
        over, throttle = standin._arrive()
        self._status = 0
        self._name: str | None = None
        split = urlsplit(self.path)
        try:
            if over:
                self._reply(503, SERVER_BUSY, extra=self._retry_after(), throttle=throttle
                            + ", too many requests per second or blacklisted")
            elif standin._take("black_next"):
                black = ("Request Count status: Black (100%), Request Time status: Green (0%), "
                         "Service status: Green (13%)")
                self._reply(503, SERVER_BUSY, throttle=black, extra=self._retry_after())
            elif standin._take("busy_next"):
                self._reply(503, SERVER_BUSY, throttle=throttle, extra=self._retry_after())
            elif standin._take("bad_request_next"):
                self._reply(400, BAD_REQUEST_CID, throttle=throttle)
            elif standin._take("maintenance_next"):
                self._reply(503, MAINTENANCE_HTML, content_type="text/html; charset=iso-8859-1")
            else:
                self._route(split.path, split.query, method, form, throttle)
        finally:
            if not self._recorded:  # no answer was sent (a hang the client gave up on)
                standin._record(self._arrived_at, method, self.path, self._name, self._status)

    def _delay(self, name: str | None) -> None:
        standin = self.standin
        if standin.hang:
            standin.wait_released(60.0)
        if name is not None and name.casefold() in {n.casefold() for n in standin.hold_names}:
            standin._held_released.wait(60.0)
        extra = standin.slow_names.get(name.casefold(), 0.0) if name else 0.0
        if standin.latency + extra > 0:
            time.sleep(standin.latency + extra)

    def _route(
        self, path: str, query: str, method: str, form: dict[str, str], throttle: str
    ) -> None:
        if "%2f" in path.casefold():  # Apache refuses encoded slashes (AllowEncodedSlashes Off)
            self._delay(None)
            self._reply(404, APACHE_404_HTML, content_type="text/html; charset=iso-8859-1")
            return
        parts = [unquote(p, encoding="utf-8", errors="replace") for p in path.split("/")]
        parts = parts[1:]
        if parts[:1] != ["rest"]:  # outside the services: Apache's own 404 page
            self._delay(None)
            self._reply(404, APACHE_404_HTML, content_type="text/html; charset=iso-8859-1")
            return
        if parts[:2] == ["rest", "autocomplete"]:
            self._autocomplete(parts[2:], query, throttle)
            return
        if parts[:3] != ["rest", "pug", "compound"] or len(parts) < 5:
            self._delay(None)
            self._reply(400, _bad_request("Unrecognized input"), throttle=throttle)
            return
        rest = parts[3:]
        namespace = rest[0]
        if method == "POST":
            identifier = form.get(namespace)
            operation = rest[1:]
        else:
            identifier = rest[1]
            operation = rest[2:]
        if namespace == "name":
            self._name = identifier
        broken = {n.casefold(): k for n, k in self.standin.broken_names.items()}
        kind = broken.get(identifier.casefold()) if namespace == "name" and identifier else None
        if kind is not None and not (kind == "redirect_once" and query):
            self._broken(kind, throttle)
            return
        self._delay(identifier if namespace == "name" else None)
        if namespace not in ("name", "cid") or identifier is None:
            fault = BAD_REQUEST_CID if namespace == "cid" else _bad_request("Missing name")
            self._reply(400, fault, throttle=throttle)
            return
        cids = self._resolve(namespace, identifier, throttle)
        if cids is None:
            return
        if len(operation) == 3 and operation[0] == "property" and operation[2] == "JSON":
            self._properties(cids, operation[1].split(","), throttle)
        elif operation == ["synonyms", "JSON"]:
            info = [{"CID": c, "Synonym": SYNONYMS.get(c, [])} for c in cids]
            self._reply(200, {"InformationList": {"Information": info}}, throttle=throttle)
        elif operation == ["cids", "JSON"]:
            self._reply(200, {"IdentifierList": {"CID": cids}}, throttle=throttle)
        elif operation == ["cids", "TXT"]:
            self._reply(200, "\n".join(map(str, cids)), content_type="text/plain",
                        throttle=throttle)
        else:
            self._reply(400, _bad_request("Unrecognized operation"), throttle=throttle)

    def _broken(self, kind: str, throttle: str) -> None:
        """Answer the way ``kind`` (one of BROKEN_KINDS) says."""
        if kind == "properties_not_objects":
            self._reply(200, {"PropertyTable": {"Properties": ["x"]}}, throttle=throttle)
        elif kind == "redirect_loop":
            self._reply(302, "", content_type="text/html", extra={"Location": self.path})
        elif kind == "redirect_once":
            self._reply(302, "", content_type="text/html",
                        extra={"Location": self.path + "?hopped"})  # fmt: skip
        elif kind == "bad_gzip":
            self._reply(200, {"PropertyTable": {"Properties": [{"CID": 962}]}},
                        extra={"Content-Encoding": "gzip"}, throttle=throttle)
        elif kind == "html_200":
            self._reply(200, MAINTENANCE_HTML, content_type="text/html", throttle=throttle)
        elif kind == "not_utf8":
            body = '{"PropertyTable": {"Properties": [{"CID": 702, "IUPACName": "\xe9thanol"}]}}'
            self._reply_bytes(200, body.encode("latin-1"))
        elif kind == "deep_json":
            self._reply(200, "[" * 100_000 + "]" * 100_000, throttle=throttle)
        elif kind == "huge":
            self._reply_bytes(200, b'{"x": "' + b"a" * (9 * 2**20) + b'"}')
        elif kind == "trickle":
            self._trickle()
        elif kind == "escapes":
            body = ('{"PropertyTable": {"Properties": [{"CID": 2519, "MolecularFormula": '
                    '"C8H10N4O2\\u001b[31m", "IUPACName": '
                    '"\\u001b[2J\\u001b]0;pwned\\u0007caffeine\\ud800"}]}}')
            self._reply(200, body, throttle=throttle)
        elif kind == "huge_cid":
            self._reply(200, '{"PropertyTable": {"Properties": [{"CID": ' + "9" * 1000 + "}]}}",
                        throttle=throttle)
        elif kind == "too_many_requests":
            self._reply(429, "<html>Too Many Requests</html>", content_type="text/html")
        else:
            raise ValueError(f"unknown broken kind {kind!r}")

    def _reply_bytes(self, status: int, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.standin._record(self._arrived_at, self._method, self.path, self._name, status)
        self._recorded = True
        self.wfile.write(data)

    def _trickle(self) -> None:
        """Promise a body, then send it a byte at a time until the client gives up."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.standin._record(self._arrived_at, self._method, self.path, self._name, 200)
        self._recorded = True
        self.wfile.flush()
        while not self.standin._released.wait(0.05):
            self.wfile.write(b" ")
            self.wfile.flush()

    def _resolve(self, namespace: str, identifier: str, throttle: str) -> list[int] | None:
        standin = self.standin
        if namespace == "name":
            cids = standin.names.get(identifier.strip().casefold())
            if not cids:
                self._reply(404, NOT_FOUND_NAME, throttle=throttle)
                return None
            return cids
        try:
            cids = [int(c) for c in identifier.split(",") if c.strip()]
        except ValueError:
            self._reply(400, BAD_REQUEST_CID, throttle=throttle)
            return None
        known = [c for c in cids if c in standin.compounds]
        if not cids:
            self._reply(400, BAD_REQUEST_CID, throttle=throttle)
            return None
        if not known:
            self._reply(404, NOT_FOUND_CID, throttle=throttle)
            return None
        return known

    def _properties(self, cids: list[int], wanted: list[str], throttle: str) -> None:
        legacy = self.standin.legacy_smiles
        accepted = PROPERTY_NAMES_2025 - ({"SMILES", "ConnectivitySMILES"} if legacy else set())
        unknown = [p for p in wanted if p not in accepted]
        if unknown:  # not recorded: PubChem's wording for an unknown property
            self._reply(400, _bad_request("Invalid property", f"Unrecognized: {unknown[0]}"),
                        throttle=throttle)
            return
        rows = []
        for cid in cids:
            source = self.standin.compounds[cid]
            row: dict[str, Any] = {"CID": cid}
            for prop in wanted:
                if legacy:
                    value = source.get(_SOURCE_KEY_LEGACY.get(prop, prop))
                    key = prop
                    if prop == "MolecularWeight" and value is not None:
                        value = float(value)  # a JSON number, as in 2021
                else:
                    value = source.get(_ANSWER_KEY_2025.get(prop, prop))
                    key = _ANSWER_KEY_2025.get(prop, prop)
                if value is not None:
                    row[key] = value
            rows.append(row)
        self._reply(200, {"PropertyTable": {"Properties": rows}}, throttle=throttle)

    def _autocomplete(self, parts: list[str], query: str, throttle: str) -> None:
        self._delay(None)
        if len(parts) != 3 or parts[0] != "compound" or parts[2].lower() != "json":
            self._reply(400, {"status": {"code": 1, "error": "bad request"}}, throttle=throttle)
            return
        prefix = parts[1].strip().casefold()
        limit = int(parse_qs(query).get("limit", ["10"])[0])
        terms = sorted(
            {s for synonyms in SYNONYMS.values() for s in synonyms
             if s.casefold().startswith(prefix)},
            key=lambda s: (len(s), s.casefold()),
        )[:limit]  # fmt: skip
        body: dict[str, Any] = {"status": {"code": 0}, "total": len(terms)}
        if terms:
            body["dictionary_terms"] = {"compound": terms}
        self._reply(200, body, throttle=throttle)
