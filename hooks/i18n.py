"""Two languages, one structure: each language is its own MkDocs build (mkdocs.yml, mkdocs.en.yml).

This hook ties the builds together:
- site_url of a language = SITE_URL + its prefix ("en/"), so canonical URLs and the sitemap are right;
- the language switcher on every page points to the *same page* in the other language (pages share
  relative paths, which tests/site checks), not to that language's home page;
- both languages share one Material "scope", so a reader's dark-mode choice survives a language switch;
- sitemap.xml lists each page's translations as hreflang alternates (overrides/sitemap.xml);
- every page's "edit this page" link opens its own source file, docs/<lang>/<page>.md, in the
  repository named by extra.repository (REPO_URL) on extra.repository_branch (REPO_BRANCH).
  repo_url stays unset on purpose: with it Material shows a repository widget that fetches
  api.github.com on every page view, and nothing here may load from another host.

Why not Material's own `extra.alternate` list: Material puts it in <link rel="alternate"> tags and its
JavaScript fetches "sitemap.xml" next to every such link; with links to pages (not language roots)
that is two 404s on every page view. So `extra.alternate` is only switched on (Material then includes
overrides/partials/alternate.html), and the links come from the `alternates` this hook computes.
"""

from __future__ import annotations

from pathlib import Path
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
    root_url = (config.site_url or "http://127.0.0.1:8000/").rstrip("/") + "/"
    config.extra["i18n"]["root_url"] = root_url  # where the default language lives
    config.site_url = root_url + current["prefix"]
    config.extra["alternate"] = True  # makes Material's header include partials/alternate.html
    # Material keeps the reader's choices (dark mode, cookie consent) per site "scope"; one scope for
    # both languages, so switching language does not switch the colour scheme back.
    config.extra["scope"] = urlsplit(root_url).path
    repository, branch = config.extra.get("repository"), config.extra.get("repository_branch") or "main"
    if repository:
        docs = Path(config.docs_dir).resolve().relative_to(Path(config.config_file_path).resolve().parent).as_posix()
        config.edit_uri = f"{repository.rstrip('/')}/edit/{branch}/{docs}/"
    return config


def _alternates(config: MkDocsConfig, url: str) -> list[dict]:
    """Root-relative links ("/en/tcp-ip/"): they work on any host and port. The root is the path of
    SITE_URL ("/" unless the site is deployed below it)."""
    _, languages = _languages(config)
    root = urlsplit(config.extra["i18n"]["root_url"]).path
    return [{"name": lang["name"], "lang": lang["lang"], "link": root + lang["prefix"] + url} for lang in languages]


def on_page_context(context: dict, page: Page, config: MkDocsConfig, nav) -> dict:
    context["alternates"] = _alternates(config, page.url)
    return context


def on_template_context(context: dict, template_name: str, config: MkDocsConfig) -> dict:
    # 404.html has no page: the switcher goes to the other language's home page.
    context["alternates"] = _alternates(config, "")
    return context
