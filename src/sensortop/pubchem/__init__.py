"""PubChem PUG REST look-ups: a polite async client, typed results and an on-disk cache.

Nothing here imports Textual; the lookup pane and ``sensortop lookup`` build on it.
"""

from sensortop.pubchem.cache import LookupCache, default_cache_dir
from sensortop.pubchem.client import PubChemClient
from sensortop.pubchem.models import Compound, LookupResult, Outcome
from sensortop.pubchem.ratelimit import RateLimiter, ThrottleLevel
from sensortop.pubchem.routes import DEFAULT_BASE_URL, PUBCHEM_URL_ENV, resolve_base_url

__all__ = [
    "DEFAULT_BASE_URL",
    "PUBCHEM_URL_ENV",
    "Compound",
    "LookupCache",
    "LookupResult",
    "Outcome",
    "PubChemClient",
    "RateLimiter",
    "ThrottleLevel",
    "default_cache_dir",
    "resolve_base_url",
]
