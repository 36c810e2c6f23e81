"""Two languages, one structure: each language is its own MkDocs build (mkdocs.yml, mkdocs.en.yml).

This hook ties the builds together:
- site_url of a language = SITE_URL + its prefix ("en/"), so canonical URLs and the sitemap are right;
- on every page, the language switcher and the <link rel="alternate" hreflang> tags point to the
  *same page* in each language (pages share relative paths, which tests/site checks), not to the
  other language's home page.

Material renders both from `config.extra.alternate`; we set it per page, just before the page renders.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.pages import Page


def _languages(config: MkDocsConfig) -> tuple[dict, list[dict]]:
    i18n = config.extra.get("i18n") or {}
    languages = i18n.get("languages") or []
    current = [lang for lang in languages if lang.get("lang") == i18n.get("current")]
    if len(current) != 1:
        raise PluginError(f"{config.config_file_path}: extra.i18n.current must name one of extra.i18n.languages")
    return current[0], languages


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    current, _ = _languages(config)
    if config.site_url and current["prefix"]:
        config.site_url = config.site_url.rstrip("/") + "/" + current["prefix"]
    return config


def _alternates(config: MkDocsConfig, url: str) -> list[dict]:
    """Root-relative links ("/en/tcp-ip/"): Material's `url` filter keeps them as they are, and
    they work on any host and port. The root is the path of SITE_URL ("/" unless deployed below it)."""
    current, languages = _languages(config)
    root = urlsplit(config.site_url or "/").path
    root = root[: len(root) - len(current["prefix"])] if root.endswith(current["prefix"]) else root
    return [{"name": lang["name"], "lang": lang["lang"], "link": root + lang["prefix"] + url} for lang in languages]


def on_page_context(context: dict, page: Page, config: MkDocsConfig, nav) -> dict:
    config.extra["alternate"] = _alternates(config, page.url)
    return context


def on_pre_template(template, template_name: str, config: MkDocsConfig):
    # 404.html and other static templates have no page: switch to the other language's home.
    config.extra["alternate"] = _alternates(config, "")
    return template
