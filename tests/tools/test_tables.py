"""extensions.tables: each table in a div of its own (the module says why), nothing else moved."""

from __future__ import annotations

import xml.etree.ElementTree as etree

import markdown

from extensions.tables import TableWrap

TABLE = "| a | b |\n|---|---|\n| 1 | 2 |\n"


def convert(text: str) -> str:
    return markdown.Markdown(extensions=["tables", "extensions.tables"]).convert(text)


def test_a_table_gets_a_div_of_its_own_and_keeps_its_neighbours_in_order() -> None:
    html = convert(f"before\n\n{TABLE}\nafter\n")
    assert html.startswith('<p>before</p>\n<div class="tablewrap"><table>')
    assert html.endswith("</table></div>\n<p>after</p>")
    assert html.count("<table>") == html.count('<div class="tablewrap">') == 1


def test_tables_inside_other_blocks_and_several_in_a_row_are_each_wrapped_once() -> None:
    html = convert(f"> {TABLE.replace(chr(10), chr(10) + '> ')}\n{TABLE}\ntext\n\n{TABLE}")
    assert html.count("<table>") == html.count('<div class="tablewrap"><table>') == 3
    assert "tablewrap" not in html.replace('<div class="tablewrap"><table>', "")


def test_a_table_with_a_class_is_left_where_it_is() -> None:
    root = etree.fromstring('<div><p>x</p><table class="highlighttable"><tr><td>1</td></tr></table><table/></div>')
    TableWrap(markdown.Markdown()).run(root)
    assert [child.tag for child in root] == ["p", "table", "div"]
    assert root[1].get("class") == "highlighttable" and root[2][0].tag == "table"
