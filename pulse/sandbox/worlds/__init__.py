"""World extensions: one module per platform family beyond Discourse and Shopify.

Each module here exposes `TABLES` (the served table names it adds) and
`extend(world: World, seed: int) -> dict[str, pandas.DataFrame]`, which derives that platform's tables from the
core world's people (`persons`: persona, home community, join/churn/reactivation dates, language, contact ids) and
campaigns. A returned `truth_accounts` frame is appended to the core one. Modules are discovered, so adding a
platform touches no shared file. They run by `PHASE` (default 0), then name: a module that needs the accounts of
the others (membership bindings) says `PHASE = 1`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from types import ModuleType


def extension_modules() -> list[ModuleType]:
    mods = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            mods.append(importlib.import_module(f"{__name__}.{info.name}"))
    return sorted(mods, key=lambda m: getattr(m, "PHASE", 0))


def extension_tables() -> tuple[str, ...]:
    return tuple(t for m in extension_modules() for t in m.TABLES)


def extenders() -> list[tuple[str, Callable]]:
    return [(m.__name__.rsplit(".", 1)[1], m.extend) for m in extension_modules()]
