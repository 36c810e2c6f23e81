"""Checks of the two language configs (mkdocs.yml, mkdocs.en.yml)."""

from __future__ import annotations

from pathlib import Path

from extensions.topics import nav_files
from tools.checks.built import HANGUL


def config_problems(root: Path) -> list[str]:
    """The two language configs list the same pages in the same order, and offer the same colour
    palette, its toggles named in their own language (Material shows the name as the button's label)."""
    from mkdocs.config import load_config

    configs = {name: load_config(str(root / name)) for name in ("mkdocs.yml", "mkdocs.en.yml")}
    navs = {name: nav_files(c.nav) for name, c in configs.items()}
    found = []
    ko, en = navs["mkdocs.yml"], navs["mkdocs.en.yml"]
    for page in [p for p in ko if p not in en]:
        found.append(f"nav differs: {page} is in mkdocs.yml's nav, not in mkdocs.en.yml's")
    for page in [p for p in en if p not in ko]:
        found.append(f"nav differs: {page} is in mkdocs.en.yml's nav, not in mkdocs.yml's")
    if not found and ko != en:
        found.append(f"nav differs: the same pages in another order: mkdocs.yml {ko} vs mkdocs.en.yml {en}")
    palettes = {name: c.theme.get("palette") or [] for name, c in configs.items()}
    unnamed = [
        [{k: v for k, v in p.items() if k != "toggle"} | {"icon": p.get("toggle", {}).get("icon")} for p in pal]
        for pal in palettes.values()
    ]
    if unnamed[0] != unnamed[1]:
        found.append("theme.palette differs between mkdocs.yml and mkdocs.en.yml (only the toggle names may)")
    for name, want_hangul in (("mkdocs.yml", True), ("mkdocs.en.yml", False)):
        for p in palettes[name]:
            label = p.get("toggle", {}).get("name", "")
            if bool(HANGUL.search(label)) != want_hangul:
                found.append(
                    f"{name}: palette toggle name {label!r} is not in {'Korean' if want_hangul else 'English'}"
                )
    return found
