"""Where PUG REST questions go: the service's address, the properties asked for, and how a
name or a CID list travels (in the URL path, or POSTed as a form when it cannot).

The one place PubChem's default address lives; the command line, the lookup
pane and the client all take it from here.
"""

from __future__ import annotations

import os
from urllib.parse import quote

DEFAULT_BASE_URL = "https://pubchem.ncbi.nlm.nih.gov/rest/pug"
PUBCHEM_URL_ENV = "SENSORTOP_PUBCHEM_URL"

#: Properties asked for, in PubChem's 2025 naming ("SMILES" replaced "IsomericSMILES").
PROPERTIES = ("MolecularFormula", "MolecularWeight", "IUPACName", "SMILES", "InChIKey", "XLogP")
#: The same under the pre-2025 names, for a service that rejects the new ones.
LEGACY_PROPERTIES = tuple("IsomericSMILES" if p == "SMILES" else p for p in PROPERTIES)

#: An encoded name longer than this goes by POST: URLs have length limits on the way.
MAX_PATH_NAME = 1000
#: More CIDs than this go by POST for the same reason.
MAX_PATH_CIDS = 100


def resolve_base_url(url: str | None = None) -> str:
    """The PUG REST base: the argument, else ``$SENSORTOP_PUBCHEM_URL``, else PubChem's own."""
    chosen = url or os.environ.get(PUBCHEM_URL_ENV) or DEFAULT_BASE_URL
    return chosen.rstrip("/")


def autocomplete_base(base_url: str) -> str:
    """PubChem serves autocomplete beside PUG REST: ``rest/pug`` -> ``rest/autocomplete``."""
    base = base_url.rstrip("/")
    if base.endswith("/pug"):
        return base[: -len("/pug")] + "/autocomplete"
    return base + "/autocomplete"


def name_problem(name: str) -> str:
    """Why ``name`` cannot be sent to PubChem, or "" when it can.

    A name read from a command line that is not UTF-8 holds lone surrogates,
    which no URL, form or cache key can carry.
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "name is not valid UTF-8 text"
    return ""


def name_route(name: str) -> tuple[str, dict[str, str] | None]:
    """Path and form for a name: in the path percent-encoded, or POSTed when it cannot be.

    A ``/`` cannot travel in a path (servers refuse %2F), nor can a name of
    only dots (``..`` would be collapsed), nor a very long one.
    """
    encoded = quote(name, safe="")
    if "/" in name or set(name) == {"."} or len(encoded) > MAX_PATH_NAME:
        return "compound/name", {"name": name}
    return f"compound/name/{encoded}", None


def cid_route(query: str, count: int) -> tuple[str, dict[str, str] | None]:
    """Path and form for ``count`` CIDs joined by commas in ``query``: POSTed when many."""
    if count > MAX_PATH_CIDS:
        return "compound/cid", {"cid": query}
    return f"compound/cid/{query}", None
