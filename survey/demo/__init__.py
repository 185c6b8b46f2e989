"""Demo and synthetic data.

``load_almaty_demo`` (almaty.py) fills an empty database with Almaty's eight districts, 32 organizations of every
level and ownership, an open campaign, staff accounts and answers. ``load_synthetic`` (national.py) builds a
deterministic national data set of any size for benchmarks with bulk inserts. Both draw consistent people from the
same generator (people.py), write them through the same loader (loader.py), plant a few known integrity cases of
each rule (planted.py) and run the checks, so the review queue, dashboards and Flags sheets show them at once.
"""

from .almaty import ALMATY_DISTRICTS, DEMO_PASSWORD, load_almaty_demo
from .loader import DemoError, Loader, generator, has_data, reset_sequences
from .national import REGIONS, load_synthetic
from .organizations import OrgPlan
from .people import Generator, make_bin, make_identifier, make_iin
from .planted import Loaded, Planted

__all__ = [
    "ALMATY_DISTRICTS", "DEMO_PASSWORD", "REGIONS", "DemoError", "Generator", "Loaded", "Loader", "OrgPlan",
    "Planted", "generator", "has_data", "load_almaty_demo", "load_synthetic", "make_bin", "make_identifier",
    "make_iin", "reset_sequences",
]
