"""Checks over the page sources and the built site, as plain functions, one module per thing checked.

Each returns a list of problems, each naming the file; tests/site/ asserts the lists are empty, and
tests/tools/ feeds them broken input to prove they can fail.

- budgets.py   every byte budget make test enforces (no time budgets: those are `make perf`'s)
- pages.py     reading a page's Markdown: fences, headings, embeds, includes; the languages
- sources.py   docs/ko and docs/en: both languages, ids, one paragraph per line, same structure
- built.py     the built site: page and site sizes, lang, labels, scripts, links, anchors, hosts, sitemaps
- configs.py   mkdocs.yml and mkdocs.en.yml agree
- glossary.py  glossary.yml against the pages
- snippets.py  every snippet section marker is shown on some page
- topics.py    one name per topic (page, snippets/, notebooks/, tests/) and one list of topics (nav)
"""
