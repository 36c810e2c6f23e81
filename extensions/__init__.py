"""The page transforms, as Python-Markdown extensions: they work wherever Python-Markdown runs.

- extensions.notebook_cells — `{{ cell("notebook", "tag") }}`: a notebook cell's code and stored output
- extensions.diagrams — `{{ diagram("notebook", "tag", "alt") }}`: the SVG drawn from a cell's Mermaid output
- extensions.glossary — tooltips on the first use of each glossary term, and `{{ glossary() }}`, the list
- extensions.topics — `{{ topics() }}`: the home page's list of topics, made from nav
- extensions.tables — each table in a div of its own, so Material's script restyles only the table at load
- extensions._page — what they share: TransformError naming the page and line, fences, labels

Each is listed under `markdown_extensions` in mkdocs.yml with its options (paths from `!relative $config_dir`,
labels in the page's language; mkdocs.en.yml overrides the labels). None imports MkDocs: tests run them with
`markdown.Markdown(extensions=[...])` alone, and Zensical runs them as they are (tools/zensical_check.py).
Links they write (notebooks/x.ipynb, diagrams/x.svg, tcp-ip.md#anchor) are relative to the page's source
file, as an author would write them, so the generator resolves and checks them; both MkDocs and Zensical
do. A page in a subfolder (docs/*/tcp-ip/flow.md) gets `../notebooks/x.ipynb` (extensions._page.to_root).

What needs the whole site stays in hooks/ (MkDocs only), listed in the `hooks:` section of mkdocs.yml.
"""
